package callback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/internal/binding"
	"github.com/ossdirect/ossdirect/verify"
)

// ErrConfig: the Verifier itself is misconfigured (see Verifier.Validate).
// It is the application's fault, not the caller's, so HTTPStatus answers it
// with 500.
var ErrConfig = errors.New("callback: invalid Verifier configuration")

// Verifier checks OSS callback requests and turns them into events. Fill it
// in as a struct literal, call Validate once at start-up, and use
// VerifyEvent, Handler or Middleware; it is safe for concurrent use and must
// not be modified while in use. The zero Verifier is refused: set Secrets
// (or, knowingly, AllowUnbound).
type Verifier struct {
	// Secrets are the keys the app's signer.Signer binds callback URLs
	// with: every one is accepted, so the keyring can rotate (README,
	// "Rotating the secret"). A callback whose URL carries no valid,
	// unexpired binding made with one of them is refused with ErrUnbound
	// (ErrBindingExpired once expired): OSS signs every customer's
	// callbacks with the same key, so without a binding a verified
	// callback may stem from anyone's upload.
	Secrets Secrets

	// AllowUnbound accepts callbacks to URLs without a binding; it may
	// not be combined with Secrets. Only for apps that check every claim
	// of a callback with OSS itself: Event.Query and Event.Vars are then
	// chosen by whoever started the upload.
	AllowUnbound bool

	// Keys supplies the public key named by x-oss-pub-key-url; nil means
	// verify.DefaultFetcher(): OSS's embedded key, other keys on
	// gosspublic.alicdn.com fetched and cached, nothing else trusted.
	Keys verify.KeyFetcher

	// StrippedPrefix is the path prefix a trusted reverse proxy removes
	// before passing callbacks on, such as "/api" for nginx's
	// "location /api/ { proxy_pass http://app/; }". OSS signed the path
	// with the prefix, so it is put back before verifying. It must start
	// with "/" and not end with one.
	StrippedPrefix string

	// PrefixHeader, if set, names a request header in which a trusted
	// reverse proxy states the prefix it stripped (commonly
	// "X-Forwarded-Prefix"); when the request carries it, its value is used
	// instead of StrippedPrefix. Set it only when the proxy overwrites the
	// header on every request.
	PrefixHeader string

	// MaxBodyBytes caps the body; 0 means 1 MiB.
	MaxBodyBytes int64

	// Logger receives one line for every refused callback, with its reason
	// (and the likely cause when a signature does not verify), since OSS
	// reports any failure to the uploader only as 203 CallbackFailed. nil
	// means slog.Default(). The reason is never sent back to the caller.
	Logger *slog.Logger

	// Capture, if set, saves every refused request raw, for
	// "ossdirect diagnose".
	Capture *Capture

	// Now returns the time a binding's expiry is compared with; nil means
	// time.Now.
	Now func() time.Time

	bindings binding.Checker // keyed HMAC states, reused
}

// Validate reports everything that would make the Verifier refuse callbacks
// it should accept, naming the field at fault: Secrets (or AllowUnbound), the
// body cap, the proxy prefix and header, static Keys, and a Capture
// directory that is missing. A Verifier that fails Validate refuses every
// callback with 500 and logs why. Errors wrap ErrConfig.
func (v *Verifier) Validate() error {
	if err := v.check(); err != nil {
		return err
	}
	if sk, ok := v.Keys.(verify.StaticKeys); ok {
		for u, k := range sk {
			if k == nil {
				// Without Validate, such a key fails its callbacks with
				// verify.ErrKeyFetch instead.
				return fmt.Errorf("%w: Keys has a nil key for %q", ErrConfig, u)
			}
		}
	}
	if v.Capture != nil {
		if err := v.Capture.validateDir(); err != nil {
			return &configError{field: "Capture", err: err}
		}
	}
	return nil
}

// check is what Validate checks of the Verifier's own fields, for every
// request; not the file system (a capture directory that goes away must not
// change the answer to OSS) nor every static key.
func (v *Verifier) check() error {
	if v == nil {
		return fmt.Errorf("%w: nil *Verifier", ErrConfig)
	}
	switch {
	case len(v.Secrets) == 0 && !v.AllowUnbound:
		return fmt.Errorf("%w: no Secrets: set them to the Signer's (AllowUnbound accepts callbacks from anyone's upload)", ErrConfig)
	case len(v.Secrets) > 0 && v.AllowUnbound:
		return fmt.Errorf("%w: Secrets and AllowUnbound are both set", ErrConfig)
	case v.MaxBodyBytes < 0:
		return fmt.Errorf("%w: negative MaxBodyBytes %d", ErrConfig, v.MaxBodyBytes)
	}
	if len(v.Secrets) > 0 {
		if err := v.Secrets.Validate(); err != nil {
			return &configError{field: "Secrets", err: err}
		}
	}
	if err := checkPrefix(v.StrippedPrefix); err != nil {
		return fmt.Errorf("%w: StrippedPrefix %q: %w", ErrConfig, v.StrippedPrefix, err)
	}
	if v.PrefixHeader != "" && !token(v.PrefixHeader) {
		return fmt.Errorf("%w: PrefixHeader %q is not a header name", ErrConfig, v.PrefixHeader)
	}
	if sk, ok := v.Keys.(verify.StaticKeys); ok && len(sk) == 0 {
		return fmt.Errorf("%w: Keys is an empty verify.StaticKeys, which trusts no key URL", ErrConfig)
	}
	if v.Capture != nil {
		if err := v.Capture.check(); err != nil {
			return &configError{field: "Capture", err: err}
		}
	}
	return nil
}

// configError is ErrConfig for a field whose own check failed with err; it
// reads once ("callback: invalid Verifier.Secrets: ...") and wraps both.
type configError struct {
	field string
	err   error
}

func (e *configError) Error() string {
	return "callback: invalid Verifier." + e.field + ": " + strings.TrimPrefix(e.err.Error(), "callback: ")
}

func (e *configError) Unwrap() []error { return []error{ErrConfig, e.err} }

// checkPrefix accepts "" or a path prefix such as "/api".
func checkPrefix(p string) error {
	switch {
	case p == "":
		return nil
	case p[0] != '/':
		return errors.New(`does not start with "/"`)
	case strings.HasSuffix(p, "/"):
		return errors.New(`ends with "/"; the proxy keeps that slash`)
	case strings.ContainsAny(p, "?#\n\r"):
		return errors.New("contains ?, # or a line break")
	}
	return nil
}

// token reports whether s is an HTTP token (a valid header name).
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// VerifyEvent is the one entry point for a callback, like Stripe's
// webhook.ConstructEvent: it verifies r as Verify does (with Keys,
// MaxBodyBytes and the proxy prefix), checks the binding of its URL with
// Secrets, parses the body and returns the event, with Event.Query holding
// the query this app bound. Every refusal is logged (and captured, see
// Capture). Errors wrap those of Verify, ErrUnbound, ErrMalformedEvent or
// ErrConfig; pick the response with HTTPStatus.
func (v *Verifier) VerifyEvent(r *http.Request) (*Event, error) {
	ev, body, err := v.verifyEvent(r)
	if err != nil {
		v.logRefusal(r, err)
		if v != nil && v.Capture != nil && r != nil && !errors.Is(err, ErrConfig) {
			v.Capture.save(r, body, v.logger())
		}
	}
	return ev, err
}

// verifyEvent is VerifyEvent without the log; it also returns the body once
// read, for Capture.
func (v *Verifier) verifyEvent(r *http.Request) (*Event, []byte, error) {
	if err := v.check(); err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, fmt.Errorf("%w: nil *http.Request", ErrMalformedRequest)
	}
	prefix, err := v.prefix(r)
	if err != nil {
		return nil, nil, err
	}
	sr, err := readSigned(r, prefix, v.maxBody())
	if err != nil {
		return nil, nil, err
	}
	if err := sr.check(r, v.Keys, prefix); err != nil {
		return nil, sr.body, err
	}
	appQuery := strings.TrimPrefix(sr.query, "?")
	if !v.AllowUnbound {
		now := time.Now
		if v.Now != nil {
			now = v.Now
		}
		if appQuery, err = v.bindings.Check(sr.path, sr.query, v.Secrets.key, now()); err != nil {
			return nil, sr.body, err
		}
	}
	ev, err := ParseEvent(r.Header.Get("Content-Type"), sr.body)
	if err != nil {
		return nil, sr.body, err
	}
	// Pairs that do not parse are left out; only queries that parse are
	// bound.
	ev.Query, _ = url.ParseQuery(appQuery)
	return ev, sr.body, nil
}

// prefix is the path prefix a proxy stripped from r.
func (v *Verifier) prefix(r *http.Request) (string, error) {
	if v.PrefixHeader == "" {
		return v.StrippedPrefix, nil
	}
	vals := r.Header.Values(v.PrefixHeader)
	switch {
	case len(vals) == 0:
		return v.StrippedPrefix, nil
	case len(vals) > 1:
		return "", fmt.Errorf("%w: %d %s headers", ErrMalformedRequest, len(vals), v.PrefixHeader)
	}
	if err := checkPrefix(vals[0]); err != nil {
		return "", fmt.Errorf("%w: %s %q: %w", ErrMalformedRequest, v.PrefixHeader, vals[0], err)
	}
	return vals[0], nil
}

func (v *Verifier) maxBody() int64 {
	if v.MaxBodyBytes == 0 {
		return defaultMaxBodyBytes
	}
	return v.MaxBodyBytes
}

func (v *Verifier) logger() *slog.Logger {
	if v != nil && v.Logger != nil {
		return v.Logger
	}
	return slog.Default()
}

// logRefusal logs a refused callback: as an error when the fault is the
// application's (configuration), as a warning otherwise.
func (v *Verifier) logRefusal(r *http.Request, err error) {
	logger := v.logger()
	status := HTTPStatus(err)
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	ctx := context.Background()
	attrs := []slog.Attr{slog.Int("status", status), slog.String("reason", err.Error())}
	var d *Diagnosis
	if errors.As(err, &d) {
		attrs = append(attrs, slog.String("cause", d.Cause))
	}
	if r != nil {
		ctx = r.Context()
		attrs = append(attrs, slog.String("remote", r.RemoteAddr), slog.String("target", r.RequestURI))
	}
	logger.LogAttrs(ctx, level, "OSS callback refused", attrs...)
}
