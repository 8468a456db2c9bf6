package main

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/signer"
)

const signNotes = `
Prints the token as JSON: host, dir, expire and the form fields to post
(see signer.Token). With -curl FILE, prints instead a curl command that
uploads FILE under the prefix with that token, e.g.

  eval "$(ossdirect sign -bucket B -region R -prefix up/ -max-size 1048576 -curl photo.jpg)"

` + signerNotes

// maxTokenSeconds is the longest validity of a token (signer.Upload's
// limit: a token is a bearer capability).
const maxTokenSeconds = 3600

// checkUploadFile refuses a -curl file that curl could not upload: one
// that does not exist, cannot be read, or is not a regular file.
func checkUploadFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", name)
	}
	return nil
}

// runSign prints a PostObject token, or a curl command that uses it.
func runSign(ctx context.Context, args []string, env *environ) int {
	fs := newFlags("sign", "-bucket B -region R -prefix P -max-size N [flags]", signNotes)
	var sf signerFlags
	sf.register(fs)
	prefix := fs.String("prefix", "", "key `prefix` the upload must use, e.g. uploads/u42/ (required)")
	maxSize := fs.Int64("max-size", 0, "largest file in `bytes` (required)")
	expires := fs.Int64("expires", 600, "token validity in `seconds` (at most 3600)")
	var types multiFlag
	fs.Var(&types, "content-type", "allowed content `type` (repeatable; with several, the uploader sends its choice as x-oss-content-type)")
	curlFile := fs.String("curl", "", "print a curl command that uploads `FILE` instead of the token")
	positional, code, ok := parseFlags(fs, args, env)
	if !ok {
		return code
	}
	if len(positional) > 0 {
		return usageError(env, fs, "unexpected argument %q", positional[0])
	}
	if *prefix == "" || *maxSize <= 0 {
		return usageError(env, fs, "-prefix and a positive -max-size are required")
	}
	if *expires <= 0 || *expires > maxTokenSeconds {
		return usageError(env, fs, "-expires %d: want 1 to %d seconds", *expires, maxTokenSeconds)
	}
	if *curlFile != "" {
		if err := checkUploadFile(*curlFile); err != nil {
			return usageError(env, fs, "-curl: %v", err)
		}
	}
	s, err := sf.signer()
	if err != nil {
		return usageError(env, fs, "%v", err)
	}
	tok, err := s.Sign(ctx, signer.Upload{
		KeyPrefix:    *prefix,
		MaxSize:      *maxSize,
		Expires:      time.Duration(*expires) * time.Second,
		ContentTypes: types,
		Callback:     sf.callback(),
	})
	if err != nil {
		return signFailed(env, fs, err)
	}
	if *curlFile == "" {
		b, err := json.MarshalIndent(tok, "", "  ")
		if err != nil {
			return fail(env, "sign", err)
		}
		fmt.Fprintf(env.stdout, "%s\n", b)
		return exitOK
	}
	cmd, err := curlCommand(tok, *curlFile)
	if err != nil {
		return usageError(env, fs, "%v", err)
	}
	fmt.Fprintln(env.stdout, cmd)
	return exitOK
}

// curlCommand returns a shell command that posts file with tok: every
// token field, then key, then the file last, as OSS requires
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// Fields go with --form-string, so that a value starting with "@" or "<" is
// sent as text rather than read from a file.
func curlCommand(tok *signer.Token, file string) (string, error) {
	fields := make(map[string]string, len(tok.Fields)+2)
	for k, v := range tok.Fields {
		fields[k] = v
	}
	if len(tok.ContentTypes) > 0 {
		// Several allowed types: the uploader names its choice in
		// x-oss-content-type, which the policy checks.
		t := mime.TypeByExtension(filepath.Ext(file))
		if i := strings.IndexByte(t, ';'); i >= 0 {
			t = t[:i]
		}
		if !slices.Contains(tok.ContentTypes, t) {
			return "", fmt.Errorf("-curl %s: its type %q (from the extension) is not one of the allowed -content-type values %q", file, t, tok.ContentTypes)
		}
		fields["x-oss-content-type"] = t
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	key := tok.Key
	if key == "" {
		key = tok.Dir + filepath.Base(file)
	}
	var b strings.Builder
	b.WriteString("curl -sS -w '\\nHTTP %{http_code}\\n'")
	for _, k := range names {
		b.WriteString(" --form-string " + shellQuote(k+"="+fields[k]))
	}
	b.WriteString(" --form-string " + shellQuote("key="+key))
	// curl reads a double-quoted file name after "@" literally, so names
	// with ";" or "," are not taken for curl's own ";type=" options.
	quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(file) + `"`
	b.WriteString(" -F " + shellQuote("file=@"+quoted))
	b.WriteString(" " + shellQuote(tok.Host+"/"))
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
