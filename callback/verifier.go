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

	"github.com/ossdirect/ossdirect/verify"
)

// ErrConfig: the Verifier itself is misconfigured (see Verifier.Validate).
// It is the application's fault, not the caller's, so HTTPStatus answers it
// with 500.
var ErrConfig = errors.New("callback: invalid Verifier configuration")

// Verifier checks OSS callback requests and turns them into events. Fill it
// in as a struct literal, call Validate once at start-up, and use
// VerifyEvent, Handler or Middleware; it is safe for concurrent use and must
// not be modified while in use.
//
// The zero Verifier is refused: set BindingSecret to the Signer's
// CallbackSecret (or, knowingly, AllowUnbound).
type Verifier struct {
	// BindingSecret is the secret the application's signer.Signer binds
	// callback URLs with (Signer.CallbackSecret; BindURLUntil). Callbacks
	// whose URL carries no valid, unexpired binding are refused with
	// ErrUnbound (ErrBindingExpired once expired). It must be at least
	// MinBindingSecretBytes long.
	//
	// OSS signs the callbacks of all its customers with the same key, over
	// nothing that says whose upload it was, so without a binding a
	// verified callback may stem from anyone's upload, with a body that
	// claims any bucket, object or x: variable.
	BindingSecret []byte

	// AllowUnbound accepts callbacks to URLs without a binding; it may
	// not be combined with BindingSecret. Only for applications that check
	// every claim of a callback with OSS itself: Event.Query and Event.Vars
	// are then chosen by whoever started the upload.
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
	// instead of StrippedPrefix. No header is trusted unless named here:
	// set it only when the proxy overwrites the header on every request.
	PrefixHeader string

	// MaxBodyBytes caps the body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// Logger receives one line for every refused callback, with its reason
	// (and the likely cause when a signature does not verify), since OSS
	// reports any failure to the uploader only as 203 CallbackFailed. nil
	// means slog.Default(). The reason is never sent back to the caller.
	Logger *slog.Logger

	// Now returns the time a binding's expiry is compared with; nil means
	// time.Now.
	Now func() time.Time
}

// Validate reports a Verifier that cannot work, naming the field at fault.
// Call it at start-up: a Verifier that fails Validate refuses every
// callback with an error wrapping ErrConfig (500), and logs why. Errors
// wrap ErrConfig.
func (v *Verifier) Validate() error {
	if v == nil {
		return fmt.Errorf("%w: nil *Verifier", ErrConfig)
	}
	switch {
	case len(v.BindingSecret) == 0 && !v.AllowUnbound:
		return fmt.Errorf("%w: BindingSecret is empty: set it to the Signer's CallbackSecret (AllowUnbound accepts callbacks from anyone's upload)", ErrConfig)
	case len(v.BindingSecret) > 0 && v.AllowUnbound:
		return fmt.Errorf("%w: BindingSecret and AllowUnbound are both set", ErrConfig)
	case len(v.BindingSecret) > 0 && len(v.BindingSecret) < MinBindingSecretBytes:
		return fmt.Errorf("%w: BindingSecret is %d bytes, want at least %d", ErrConfig, len(v.BindingSecret), MinBindingSecretBytes)
	case v.MaxBodyBytes < 0:
		return fmt.Errorf("%w: negative MaxBodyBytes %d", ErrConfig, v.MaxBodyBytes)
	}
	if err := checkPrefix(v.StrippedPrefix); err != nil {
		return fmt.Errorf("%w: StrippedPrefix %q: %w", ErrConfig, v.StrippedPrefix, err)
	}
	if v.PrefixHeader != "" && !token(v.PrefixHeader) {
		return fmt.Errorf("%w: PrefixHeader %q is not a header name", ErrConfig, v.PrefixHeader)
	}
	if sk, ok := v.Keys.(verify.StaticKeys); ok {
		if len(sk) == 0 {
			return fmt.Errorf("%w: Keys is an empty verify.StaticKeys, which trusts no key URL", ErrConfig)
		}
		for u, k := range sk {
			if k == nil {
				return fmt.Errorf("%w: Keys has a nil key for %q", ErrConfig, u)
			}
		}
	}
	return nil
}

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

// VerifyEvent is the one entry point for a callback: it verifies r as
// Verify does (with Keys, MaxBodyBytes and the proxy prefix), checks the
// binding of its URL with BindingSecret, parses the body and returns the
// event, with Event.Query holding the query this application bound. Like
// Stripe's webhook.ConstructEvent, it returns an event only when every
// check passed.
//
// Every refusal is logged (see Logger). Errors wrap the sentinels listed
// on Verify, ErrUnbound (ErrBindingExpired for an expired binding),
// ErrMalformedEvent, or ErrConfig when the Verifier fails Validate; pick
// the response with HTTPStatus. A signature that does not verify comes
// with a *Diagnosis when its cause can be told.
func (v *Verifier) VerifyEvent(r *http.Request) (*Event, error) {
	ev, err := v.verifyEvent(r)
	if err != nil {
		v.logRefusal(r, err)
	}
	return ev, err
}

func (v *Verifier) verifyEvent(r *http.Request) (*Event, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("%w: nil *http.Request", ErrMalformedRequest)
	}
	prefix := v.StrippedPrefix
	if v.PrefixHeader != "" {
		if vals := r.Header.Values(v.PrefixHeader); len(vals) > 0 {
			if len(vals) > 1 {
				return nil, fmt.Errorf("%w: %d %s headers", ErrMalformedRequest, len(vals), v.PrefixHeader)
			}
			if err := checkPrefix(vals[0]); err != nil {
				return nil, fmt.Errorf("%w: %s %q: %w", ErrMalformedRequest, v.PrefixHeader, vals[0], err)
			}
			prefix = vals[0]
		}
	}
	maxBody := v.MaxBodyBytes
	if maxBody == 0 {
		maxBody = DefaultMaxBodyBytes
	}
	sr, err := readSigned(r, prefix, maxBody)
	if err != nil {
		return nil, err
	}
	if err := sr.check(r, v.Keys, prefix); err != nil {
		return nil, err
	}
	appQuery := strings.TrimPrefix(sr.query, "?")
	if !v.AllowUnbound {
		if appQuery, err = checkBinding(v.BindingSecret, sr.path, sr.query); err != nil {
			return nil, err
		}
		now := time.Now
		if v.Now != nil {
			now = v.Now
		}
		if appQuery, err = checkExpiry(appQuery, now()); err != nil {
			return nil, err
		}
	}
	ev, err := ParseEvent(r.Header.Get("Content-Type"), sr.body)
	if err != nil {
		return nil, err
	}
	// Pairs that do not parse are left out; BindURL only binds queries
	// that parse.
	ev.Query, _ = url.ParseQuery(appQuery)
	return ev, nil
}

// logRefusal logs a refused callback: as an error when the fault is the
// application's (configuration), as a warning otherwise.
func (v *Verifier) logRefusal(r *http.Request, err error) {
	logger := slog.Default()
	if v != nil && v.Logger != nil {
		logger = v.Logger
	}
	status := HTTPStatus(err)
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	ctx := context.Background()
	attrs := []slog.Attr{slog.Int("status", status), slog.String("reason", err.Error())}
	var d *Diagnosis
	if errors.As(err, &d) {
		attrs = append(attrs, slog.String("cause", string(d.Cause)))
	}
	if r != nil {
		ctx = r.Context()
		attrs = append(attrs, slog.String("remote", r.RemoteAddr), slog.String("target", r.RequestURI))
	}
	logger.LogAttrs(ctx, level, "OSS callback refused", attrs...)
}
