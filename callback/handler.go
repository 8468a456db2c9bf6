package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/verify"
)

// HTTPError lets the app's function choose the status and message OSS is
// answered with; any answer but 200 makes OSS report CallbackFailed to the
// uploader. Other errors become 500 with a generic message.
type HTTPError struct {
	// Status is the HTTP status, 400-599; anything else is sent as 500.
	Status int
	// Message is sent to OSS as {"error": Message}.
	Message string
	// Err is the cause, for the log and errors.Is; it is not sent.
	Err error
}

// Error returns the status, message and cause.
func (e *HTTPError) Error() string {
	s := "callback: " + strconv.Itoa(e.Status) + " " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// Handler returns an http.Handler that turns each callback into an Event with
// VerifyEvent, calls fn and answers OSS the way OSS requires: 200,
// application/json, an explicit Content-Length, fn's answer as JSON of at
// most 1 MB ({"Status":"OK"} for a nil answer). OSS passes the answer on to
// the uploader. Failures are answered with HTTPStatus(err) and
// {"error": "..."} naming only the sentinel, and logged; fn may return an
// *HTTPError to choose the status. Methods other than POST get 405.
func (v *Verifier) Handler(fn func(ctx context.Context, ev *Event) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := v.accept(w, r)
		if !ok {
			return
		}
		answer, err := fn(r.Context(), ev)
		if err != nil {
			v.logRefusal(r, err)
			v.fail(w, r, err)
			return
		}
		if answer == nil {
			answer = map[string]string{"Status": "OK"}
		}
		body, err := json.Marshal(answer)
		if err == nil && len(body) > callbackwire.MaxResponseBytes {
			err = fmt.Errorf("callback: answer is %d bytes, OSS accepts at most %d", len(body), callbackwire.MaxResponseBytes)
		} else if err != nil {
			err = fmt.Errorf("callback: marshalling the answer: %w", err)
		}
		if err != nil {
			v.logRefusal(r, err)
			v.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, body)
	})
}

// Middleware turns each callback into an Event like Handler and passes it on
// to next, with the Event available through EventFromContext and the body
// still readable; refused requests are answered like Handler refuses them and
// never reach next. next must itself answer OSS with 200, an explicit
// Content-Length and JSON (docs/PROTOCOL.md#callback-answer).
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := v.accept(w, r)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), eventKey{}, ev)))
	})
}

type eventKey struct{}

// EventFromContext returns the Event Middleware stored in a request's
// context.
func EventFromContext(ctx context.Context) (*Event, bool) {
	ev, ok := ctx.Value(eventKey{}).(*Event)
	return ev, ok && ev != nil
}

// accept verifies and parses r, answering the failure itself when it fails.
func (v *Verifier) accept(w http.ResponseWriter, r *http.Request) (*Event, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		err := &HTTPError{Status: http.StatusMethodNotAllowed, Message: "OSS callbacks are POST requests"}
		v.logRefusal(r, err)
		v.fail(w, r, err)
		return nil, false
	}
	ev, err := v.VerifyEvent(r)
	if err != nil {
		v.fail(w, r, err)
		return nil, false
	}
	return ev, true
}

// HTTPStatus returns the status Handler answers an error with, so apps that
// call Verify themselves can answer the same way: 400 for malformed requests
// and bodies, 403 for bad signatures, untrusted keys and unbound or expired
// callback URLs, 413 for oversized bodies, 502 when the key could not be
// fetched, the status of an *HTTPError, and 500 for a misconfigured Verifier
// (ErrConfig) and anything else.
func HTTPStatus(err error) int {
	var he *HTTPError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrConfig):
		return http.StatusInternalServerError
	case errors.As(err, &he):
		if he.Status >= 400 && he.Status <= 599 {
			return he.Status
		}
		return http.StatusInternalServerError
	case errors.Is(err, verify.ErrBadSignature), errors.Is(err, verify.ErrUntrustedKeyURL), errors.Is(err, ErrUnbound):
		return http.StatusForbidden
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, verify.ErrKeyFetch):
		return http.StatusBadGateway
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrMalformedRequest), errors.Is(err, ErrMalformedEvent):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// publicMessage is what OSS is told: the sentinel's text, never details
// (which may echo attacker input) or an app error's text.
func publicMessage(err error) string {
	var he *HTTPError
	if errors.As(err, &he) && he.Status >= 400 && he.Status <= 599 {
		return he.Message
	}
	for _, s := range []error{ErrMissingSignature, ErrMalformedRequest, ErrBindingExpired, ErrUnbound,
		verify.ErrUntrustedKeyURL, verify.ErrKeyFetch, verify.ErrBadSignature, ErrBodyTooLarge, ErrMalformedEvent} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "internal error"
}

func (v *Verifier) fail(w http.ResponseWriter, r *http.Request, err error) {
	body, _ := json.Marshal(map[string]string{"error": publicMessage(err)})
	writeJSON(w, HTTPStatus(err), body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// OSS requires Content-Length (docs/PROTOCOL.md#callback-answer); setting it also keeps
	// net/http from switching to chunked encoding.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
