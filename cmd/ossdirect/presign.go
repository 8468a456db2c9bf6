package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/signer"
)

const presignNotes = signerNotes + `

The URL is printed on standard output; headers the client must send with
exactly the signed values (Content-Type) are listed on standard error.`

// maxPresignSeconds is the longest validity OSS accepts for a presigned
// URL (7 days).
const maxPresignSeconds = 7 * 24 * 3600

// runPresign prints one presigned URL.
func runPresign(ctx context.Context, args []string, env *environ) int {
	fs := newFlags("presign", "-bucket B -region R -key KEY [flags]", presignNotes)
	var sf signerFlags
	sf.register(fs)
	method := fs.String("method", "PUT", "HTTP `method`: PUT (upload) or GET (download)")
	key := fs.String("key", "", "object `key` (required)")
	expires := fs.Int64("expires", 600, "validity in `seconds` (at most 604800, 7 days)")
	contentType := fs.String("content-type", "", "Content-Type the client must send (signed)")
	positional, code, ok := parseFlags(fs, args, env)
	if !ok {
		return code
	}
	if len(positional) > 0 {
		return usageError(env, fs, "unexpected argument %q", positional[0])
	}
	m := strings.ToUpper(*method)
	if m != "PUT" && m != "GET" {
		return usageError(env, fs, "-method %q: want PUT or GET", *method)
	}
	if *key == "" {
		return usageError(env, fs, "-key is required")
	}
	if *expires <= 0 || *expires > maxPresignSeconds {
		return usageError(env, fs, "-expires %d: want 1 to %d seconds", *expires, maxPresignSeconds)
	}
	s, err := sf.signer()
	if err != nil {
		return usageError(env, fs, "%v", err)
	}
	req := signer.Request{Method: m, Key: *key, Expires: time.Duration(*expires) * time.Second, ContentType: *contentType, Callback: sf.callback()}
	p, err := s.Presign(ctx, req)
	if err != nil {
		return signFailed(env, fs, err)
	}
	fmt.Fprintln(env.stdout, p.URL)
	for _, name := range slices.Sorted(maps.Keys(p.Header)) {
		fmt.Fprintf(env.stderr, "send header: %s: %s\n", name, p.Header[name])
	}
	return exitOK
}
