package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/ossdirect/ossdirect/callback"
)

// Errors an application's Handler.Upload func returns (wrapped, with its
// own message) to refuse a token. Any other error is treated as a failure of
// the application, not a refusal.
var (
	// ErrUnauthorized: the request does not identify a user (not logged
	// in); answered with 401.
	ErrUnauthorized = errors.New("signer: unauthorized")
	// ErrForbidden: the user is known but may not upload (quota, role);
	// answered with 403.
	ErrForbidden = errors.New("signer: forbidden")
)

// Handler is the token endpoint (GET /oss/token): for every request it
// asks the application, through Upload, what the requesting user may
// upload, signs that with Signer, and answers the Token as JSON, never
// cacheable. Failures are JSON {"error": "..."}: 401 and 403 for Upload's
// ErrUnauthorized and ErrForbidden, the Status and Message of a
// *callback.HTTPError with a 4xx Status, 503 for ErrCredentials, 500 for anything
// else; causes of 5xx answers are logged, not sent.
type Handler struct {
	// Signer signs the tokens. Required.
	Signer *Signer

	// Upload returns the upload the requesting user may make. It is where
	// the application authenticates the request. Required.
	Upload func(r *http.Request) (Upload, error)

	// AllowOrigins are the browser origins ("https://app.example.com")
	// allowed to read tokens cross-origin. A request's Origin is echoed in
	// Access-Control-Allow-Origin, with Access-Control-Allow-Credentials
	// (token requests usually carry the app's session cookie), only when it
	// equals one of them (ASCII case-insensitively). Empty means no CORS
	// headers at all: the page must be served from the app's own origin.
	// "*" and "null" never match: with credentials they would hand tokens
	// to any page ("null" is the origin of sandboxed iframes and file:
	// pages), so every allowed origin must be listed by name.
	AllowOrigins []string

	// Logger receives the failures answered as 5xx, with their cause
	// (which is never sent to the browser); nil means slog.Default().
	Logger *slog.Logger
}

const allowedMethods = "GET, HEAD, OPTIONS"

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := endpoint{allowOrigins: h.AllowOrigins, logger: h.Logger}
	origin, allowed := e.begin(w, r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		e.preflight(w, r, origin, allowed, allowedMethods, "GET, HEAD")
		return
	default:
		w.Header().Set("Allow", allowedMethods)
		e.fail(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed", nil)
		return
	}

	if err := h.check(); err != nil {
		e.fail(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	u, err := h.Upload(r)
	if err != nil {
		e.failApp(w, err)
		return
	}
	tok, err := h.Signer.Sign(r.Context(), u)
	if err != nil {
		e.failSign(w, err)
		return
	}
	e.answer(w, tok)
}

// Validate reports what would make the handler fail every request, as
// Signer.Validate does, asking the Signer's provider once.
func (h *Handler) Validate() error {
	if err := h.check(); err != nil {
		return err
	}
	return h.Signer.Validate()
}

// check is Validate without asking for credentials.
func (h *Handler) check() error {
	switch {
	case h == nil:
		return fmt.Errorf("%w: nil Handler", ErrInvalidSigner)
	case h.Signer == nil || h.Upload == nil:
		return fmt.Errorf("%w: Handler needs Signer and Upload", ErrInvalidSigner)
	}
	return h.Signer.check()
}

// endpoint is what Handler and MultipartHandler share: CORS for the listed
// origins, and JSON answers whose 5xx causes are logged, not sent.
type endpoint struct {
	allowOrigins []string
	logger       *slog.Logger
}

// begin sets the headers of every answer (no-store, and CORS for an
// allowed Origin) and returns the request's Origin and whether it is
// allowed.
func (e endpoint) begin(w http.ResponseWriter, r *http.Request) (origin string, allowed bool) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	origin = r.Header.Get("Origin")
	allowed = origin != "" && e.originAllowed(origin)
	if len(e.allowOrigins) > 0 {
		// The answer depends on Origin even when it is refused, so shared
		// caches must not reuse it across origins.
		hdr.Add("Vary", "Origin")
	}
	if allowed {
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Set("Access-Control-Allow-Credentials", "true")
	}
	return origin, allowed
}

// preflight answers OPTIONS for a handler whose Allow header is allow and
// whose CORS methods are corsMethods. A CORS preflight (Origin plus
// Access-Control-Request-Method) from a listed origin gets the allowed
// methods and the request headers it asked for, since the origin is
// trusted anyway; one from any other origin gets 403, which the browser
// reports as a CORS failure.
func (e endpoint) preflight(w http.ResponseWriter, r *http.Request, origin string, allowed bool, allow, corsMethods string) {
	hdr := w.Header()
	hdr.Set("Allow", allow)
	reqMethod := r.Header.Get("Access-Control-Request-Method")
	if origin == "" || reqMethod == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	hdr.Add("Vary", "Access-Control-Request-Method")
	hdr.Add("Vary", "Access-Control-Request-Headers")
	if !allowed {
		e.fail(w, http.StatusForbidden, "origin not allowed", nil)
		return
	}
	hdr.Set("Access-Control-Allow-Methods", corsMethods)
	if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
		hdr.Set("Access-Control-Allow-Headers", rh)
	}
	hdr.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

func (e endpoint) originAllowed(origin string) bool {
	if origin == "*" || strings.EqualFold(origin, "null") {
		return false
	}
	return containsFold(e.allowOrigins, origin)
}

// answer answers 200 with v as JSON.
func (e endpoint) answer(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		e.fail(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// failApp answers an error of the application's func (Handler.Upload,
// MultipartHandler.User or Plan): a *callback.HTTPError with a 4xx Status
// (its Status and Message), a refusal wrapping ErrUnauthorized (401) or
// ErrForbidden (403), or else the application's failure (500).
func (e endpoint) failApp(w http.ResponseWriter, err error) {
	var he *callback.HTTPError
	switch {
	case errors.As(err, &he) && he.Status >= 400 && he.Status <= 499:
		e.fail(w, he.Status, he.Message, nil)
	case errors.Is(err, ErrUnauthorized):
		e.fail(w, http.StatusUnauthorized, err.Error(), nil)
	case errors.Is(err, ErrForbidden):
		e.fail(w, http.StatusForbidden, err.Error(), nil)
	default:
		e.fail(w, http.StatusInternalServerError, "internal error", err)
	}
}

// failSign answers an error of signing or presigning: the credentials are
// down (503), or the upload or Signer is the application's bug (500).
func (e endpoint) failSign(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrCredentials) {
		e.fail(w, http.StatusServiceUnavailable, "upload credentials unavailable", err)
		return
	}
	e.fail(w, http.StatusInternalServerError, "internal error", err)
}

// fail answers {"error": msg}; cause, if any, is logged and not sent.
func (e endpoint) fail(w http.ResponseWriter, status int, msg string, cause error) {
	if cause != nil {
		logger := e.logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.LogAttrs(context.Background(), slog.LevelError, "signer: request failed",
			slog.Int("status", status), slog.String("reason", cause.Error()))
	}
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
