package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/verify"
)

const diagnoseNotes = `
FILE holds one HTTP request as it reached the application: the request line
("POST /path?query HTTP/1.1"), the headers, a blank line and the body (all
of it, or Content-Length bytes when that header is present). "-" reads it
from standard input. Exit status: 0 when the request verifies, 1 when it
does not, 2 when the command line or FILE is unusable.`

// maxRequestFile bounds what diagnose reads: callbacks are small (OSS's
// callback body is at most a few KB), and the Verifier caps
// the body anyway.
const maxRequestFile = 8 << 20

// runDiagnose checks one captured callback request.
func runDiagnose(ctx context.Context, args []string, env *environ) int {
	fs := newFlags("diagnose", "[-key PEM] [-prefix /api] FILE|-", diagnoseNotes)
	keyFile := fs.String("key", "", "verify with the RSA public key in this PEM `file` (whatever key URL the request names) instead of OSS's")
	prefix := fs.String("prefix", "", "path `prefix` a reverse proxy stripped before the application saw the request, e.g. /api")
	positional, code, ok := parseFlags(fs, args, env)
	if !ok {
		return code
	}
	if len(positional) != 1 {
		return usageError(env, fs, "want one FILE (or - for standard input), got %d: %q", len(positional), positional)
	}
	file := positional[0]
	var keys verify.KeyFetcher = verify.DefaultFetcher()
	if *keyFile != "" {
		pemBytes, err := os.ReadFile(*keyFile)
		if err != nil {
			return usageError(env, fs, "-key: %v", err)
		}
		pub, err := verify.ParsePublicKeyPEM(pemBytes)
		if err != nil {
			return usageError(env, fs, "-key %s: %v", *keyFile, err)
		}
		keys = anyURLKey{pub}
	}
	v := &callback.Verifier{
		AllowUnbound:   true, // only OSS's signature is in question here
		Keys:           keys,
		StrippedPrefix: *prefix,
		Logger:         slog.New(slog.DiscardHandler),
	}
	if err := v.Validate(); err != nil {
		return usageError(env, fs, "%v", err)
	}
	raw, err := readInput(file, env.stdin)
	if err != nil {
		return usageError(env, fs, "%v", err)
	}
	r, err := parseRawRequest(raw)
	if err != nil {
		return usageError(env, fs, "%s: %v", file, err)
	}
	r = r.WithContext(ctx)

	target := r.RequestURI
	if *prefix != "" {
		target = *prefix + target + " (with the stripped prefix " + *prefix + " put back)"
	}
	ev, err := v.VerifyEvent(r)
	if err != nil && !errors.Is(err, callback.ErrMalformedEvent) {
		fmt.Fprintf(env.stdout, "%s %s does not verify\n", r.Method, target)
		var d *callback.Diagnosis
		if errors.As(err, &d) {
			fmt.Fprintf(env.stdout, "error: %v\nlikely cause: %s\n%s\n", d.Err, d.Cause, d.Detail)
		} else {
			fmt.Fprintf(env.stdout, "error: %v\n", err)
		}
		return exitFail
	}
	fmt.Fprintf(env.stdout, "%s %s verifies: signed by OSS with the key at %s\n", r.Method, target, keyURL(r))
	if err != nil {
		// The signature is good; only the body is not a callback event
		// this library can parse.
		fmt.Fprintf(env.stdout, "note: %v\n", err)
		return exitOK
	}
	for _, k := range slices.Sorted(maps.Keys(ev.Raw)) {
		fmt.Fprintf(env.stdout, "  %s = %q\n", k, ev.Raw[k])
	}
	return exitOK
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxRequestFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRequestFile {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a callback request", name, maxRequestFile)
	}
	return b, nil
}

// parseRawRequest reads one HTTP/1.x request as captured. Without
// Content-Length or chunked encoding the body is everything after the
// header, which is how captures pasted by hand usually come.
func parseRawRequest(raw []byte) (*http.Request, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	r, err := http.ReadRequest(br)
	if err != nil {
		return nil, fmt.Errorf("not an HTTP request: %w", err)
	}
	var body []byte
	if r.ContentLength > 0 || len(r.TransferEncoding) > 0 {
		body, err = io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
	} else {
		body, _ = io.ReadAll(br)
		r.ContentLength = int64(len(body))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r, nil
}

// keyURL is the decoded x-oss-pub-key-url of r, for the report.
func keyURL(r *http.Request) string {
	b, err := base64.StdEncoding.DecodeString(r.Header.Get("X-Oss-Pub-Key-Url"))
	if err != nil {
		return "(undecodable x-oss-pub-key-url)"
	}
	return string(b)
}

// anyURLKey is the KeyFetcher for -key: the user named the key, so it is
// used whatever URL the request names.
type anyURLKey struct{ pub *rsa.PublicKey }

func (k anyURLKey) FetchKey(context.Context, string) (*rsa.PublicKey, error) { return k.pub, nil }
