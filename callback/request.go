package callback

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// signedTarget returns the decoded path and the raw query (with its "?")
// that OSS signed.
func signedTarget(r *http.Request) (path, query string, err error) {
	target := r.RequestURI
	if target == "" {
		if r.URL == nil {
			return "", "", fmt.Errorf("%w: no RequestURI and no URL", ErrMalformedRequest)
		}
		// Client-built request: r.URL.Path is already decoded once.
		path = r.URL.Path
		if path == "" {
			path = "/"
		}
		if r.URL.RawQuery != "" || r.URL.ForceQuery {
			query = "?" + r.URL.RawQuery
		}
		return path, query, unambiguous(path, query)
	}
	if !strings.HasPrefix(target, "/") {
		target, err = originForm(target)
		if err != nil {
			return "", "", err
		}
	}
	rawPath := target
	if i := strings.IndexByte(target, '?'); i >= 0 {
		rawPath, query = target[:i], target[i:]
	}
	// Decode the path exactly once, from the raw request line: decoding
	// r.URL.Path again, as some published samples do, breaks paths that
	// contain %25.
	path, err = url.PathUnescape(rawPath)
	if err != nil {
		return "", "", fmt.Errorf("%w: path %q: %w", ErrMalformedRequest, rawPath, err)
	}
	return path, query, unambiguous(path, query)
}

// unambiguous is callbackwire.Unambiguous as an ErrMalformedRequest.
func unambiguous(path, query string) error {
	if err := callbackwire.Unambiguous(path, query); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedRequest, err)
	}
	return nil
}

// originForm turns an absolute-form request target (RFC 9112 §3.2.2, as
// sent to proxies) into its path and query.
func originForm(target string) (string, error) {
	scheme, rest, ok := strings.Cut(target, "://")
	if !ok || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return "", fmt.Errorf("%w: request target %q is neither origin nor absolute form", ErrMalformedRequest, target)
	}
	return callbackwire.TargetAfterAuthority(rest), nil
}

// readBody reads the whole body, at most limit bytes, and puts an
// identical reader back. It returns the body and, in the same allocation,
// the string OSS signs: path, query, a line break and the body.
func readBody(r *http.Request, limit int64, path, query string) (msg, body []byte, err error) {
	head := len(path) + len(query) + 1
	newMsg := func(n int) []byte {
		// One spare byte, to find a body longer than its Content-Length.
		m := make([]byte, head+n, head+n+1)
		copy(m, path)
		copy(m[len(path):], query)
		m[head-1] = '\n'
		return m
	}
	switch {
	case r.Body == nil:
		return nil, nil, fmt.Errorf("%w: the request has no Body (nil)", ErrMalformedRequest)
	case r.Body == http.NoBody && r.ContentLength > 0:
		return nil, nil, fmt.Errorf("%w: no body but Content-Length %d", ErrMalformedRequest, r.ContentLength)
	case r.Body == http.NoBody:
		msg = newMsg(0)
		return msg, msg[head:], nil
	case r.ContentLength > limit:
		return nil, nil, fmt.Errorf("%w: Content-Length %d exceeds %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	// A client request (built in-process, RequestURI empty) with a
	// non-nil Body and ContentLength 0 has a body of unknown length; on
	// server requests net/http sets Body to NoBody for length 0.
	if r.ContentLength > 0 || r.ContentLength == 0 && r.RequestURI != "" {
		msg = newMsg(int(r.ContentLength))
		body = msg[head:]
		if _, err := io.ReadFull(r.Body, body); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, fmt.Errorf("%w: reading the body: %w", ErrMalformedRequest, err)
		}
		// A body longer than its Content-Length (possible only for
		// requests built in-process) would otherwise be verified short.
		n, err := r.Body.Read(msg[len(msg) : len(msg)+1])
		if n > 0 {
			return nil, nil, fmt.Errorf("%w: body longer than Content-Length %d", ErrMalformedRequest, r.ContentLength)
		}
		if err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("%w: reading the body: %w", ErrMalformedRequest, err)
		}
	} else {
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: reading the body: %w", ErrMalformedRequest, err)
		}
		if int64(len(b)) > limit {
			return nil, nil, fmt.Errorf("%w: body exceeds %d bytes", ErrBodyTooLarge, limit)
		}
		msg = newMsg(len(b))
		body = msg[head:]
		copy(body, b)
	}
	rb := &replayBody{}
	rb.Reset(body)
	r.Body = rb
	return msg, body, nil
}

// replayBody gives handlers the body again after verification.
type replayBody struct{ bytes.Reader }

func (*replayBody) Close() error { return nil }
