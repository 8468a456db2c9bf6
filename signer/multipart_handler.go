package signer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// ErrInvalidTicket: a multipart ticket is malformed, forged, expired or
// issued to another user. MultipartHandler answers it with 403.
var ErrInvalidTicket = errors.New("signer: invalid multipart ticket")

// defaultTicketExpires is MultipartHandler.TicketExpires when zero: a day,
// time to upload a large file over a slow link, with pauses.
const defaultTicketExpires = 24 * time.Hour

// maxPartBatch is how many part URLs one MultipartHandler "parts" request
// may ask for.
const maxPartBatch = 100

// maxHandlerBody caps the JSON bodies MultipartHandler reads.
const maxHandlerBody = 64 << 10

// File is what a browser says about the file it wants to upload, the body
// of a "plan" request. It is the user's claim: the application's Plan
// decides what to allow.
type File struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Type string `json:"type"`
}

// MultipartHandler serves the endpoints a browser needs for a multipart
// upload straight to OSS: mount it under a prefix ("/oss/multipart/"); it
// dispatches on the last path element (plan, parts, complete, abort, list),
// each a POST with a JSON body answered with JSON. It keeps no state: "plan"
// seals the application's Multipart in a ticket, and the other endpoints
// presign only for a ticket it issued, unexpired, to the same user. The
// protocol, the statuses and the bucket's CORS rules are described in the
// package documentation.
type MultipartHandler struct {
	// Signer presigns the requests. Required.
	Signer *Signer

	// Secrets key the tickets' HMAC: tickets are sealed with
	// Secrets.Current() and name it, and every Secret is accepted, so the
	// keyring rotates as the Verifier's does (usually the same value).
	// Required.
	Secrets callback.Secrets

	// TicketExpires is how long a ticket is accepted after "plan"; zero
	// means a day.
	TicketExpires time.Duration

	// User authenticates a request and returns a stable user id (the
	// session's). It is called for every endpoint; a ticket is accepted
	// only from the user it was issued to. Required.
	User func(r *http.Request) (string, error)

	// Plan decides the upload for a user's file: the key (typically under
	// the user's own prefix), Size (usually f.Size, after checking it
	// against the user's quota), ContentType and the callback. f.Size is
	// checked to be in 1..maxMultipartSize before Plan is called. Required.
	Plan func(r *http.Request, user string, f File) (Multipart, error)

	// AllowOrigins are the browser origins allowed cross-origin, as in
	// Handler.AllowOrigins.
	AllowOrigins []string

	// Logger receives the failures answered with 5xx, with their cause;
	// nil means slog.Default().
	Logger *slog.Logger
}

// ticket is what a ticket seals: the user, its expiry and the plan.
type ticket struct {
	User        string            `json:"u"`
	Expires     int64             `json:"e"`
	Key         string            `json:"k"`
	Size        int64             `json:"s"`
	PartSize    int64             `json:"p"`
	ContentType string            `json:"t,omitempty"`
	Header      http.Header       `json:"h,omitempty"`
	URLExpires  time.Duration     `json:"x,omitempty"`
	Callback    *callback.Params  `json:"c,omitempty"`
	Vars        map[string]string `json:"v,omitempty"`
}

func (t *ticket) multipart() Multipart {
	return Multipart{Key: t.Key, Size: t.Size, PartSize: t.PartSize, ContentType: t.ContentType,
		Header: t.Header, Expires: t.URLExpires, Callback: t.Callback, CallbackVars: t.Vars}
}

// ticketSeal seals a MultipartHandler's plans into their tickets.
// Version 2 of its context names the secret in the ticket.
var ticketSeal = sealing{
	context:   "ossdirect multipart ticket v2\n",
	malformed: "not of the form id.payload.mac",
	retired:   "sealed with secret %q, which is no longer accepted",
	forged:    "MAC does not match",
	payload:   "payload: ",
}

// sealTicket returns t sealed with secret.
func sealTicket(secret callback.Secret, t *ticket) (string, error) {
	return ticketSeal.seal(secret, t)
}

// openTicket verifies and decodes a sealed ticket for user at now. Errors
// wrap ErrInvalidTicket.
func openTicket(secrets callback.Secrets, sealed, user string, now time.Time) (*ticket, error) {
	var t ticket
	if err := ticketSeal.open(secrets, sealed, &t); err != nil {
		return nil, err
	}
	switch {
	case t.User != user:
		return nil, fmt.Errorf("%w: issued to another user", ErrInvalidTicket)
	case now.Unix() > t.Expires:
		return nil, fmt.Errorf("%w: expired at %s", ErrInvalidTicket, time.Unix(t.Expires, 0).UTC().Format(time.RFC3339))
	}
	return &t, nil
}

type planAnswer struct {
	Ticket    string     `json:"ticket"`
	Key       string     `json:"key"`
	Size      int64      `json:"size"`
	PartSize  int64      `json:"part_size"`
	PartCount int        `json:"part_count"`
	Expires   time.Time  `json:"expires"`
	Initiate  *Presigned `json:"initiate"`
}

type stepRequest struct {
	Ticket   string `json:"ticket"`
	UploadID string `json:"upload_id"`
	Parts    []int  `json:"parts"`
}

// Validate reports what would make the handler fail every request, as
// Signer.Validate does, asking the Signer's provider once.
func (h *MultipartHandler) Validate() error {
	if err := h.check(); err != nil {
		return err
	}
	return h.Signer.Validate()
}

// check is Validate without asking for credentials.
func (h *MultipartHandler) check() error {
	switch {
	case h == nil:
		return fmt.Errorf("%w: nil MultipartHandler", ErrInvalidSigner)
	case h.Signer == nil || h.User == nil || h.Plan == nil:
		return fmt.Errorf("%w: MultipartHandler needs Signer, User and Plan", ErrInvalidSigner)
	case h.TicketExpires < 0:
		return fmt.Errorf("%w: negative TicketExpires %v", ErrInvalidSigner, h.TicketExpires)
	}
	if err := h.Secrets.Validate(); err != nil {
		return fmt.Errorf("%w: MultipartHandler.Secrets: %w", ErrInvalidSigner, err)
	}
	return h.Signer.check()
}

// ServeHTTP implements http.Handler.
func (h *MultipartHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := endpoint{allowOrigins: h.AllowOrigins, logger: h.Logger}
	origin, allowed := e.begin(w, r)
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		e.preflight(w, r, origin, allowed, "POST, OPTIONS", "POST")
		return
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		e.fail(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed", nil)
		return
	}
	if err := h.check(); err != nil {
		e.fail(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	step := path.Base(r.URL.Path)
	switch step {
	case "plan", "parts", "complete", "abort", "list":
	default:
		e.fail(w, http.StatusNotFound, "unknown endpoint "+step, nil)
		return
	}
	user, err := h.User(r)
	if err != nil {
		e.failApp(w, err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHandlerBody+1))
	if err != nil {
		e.fail(w, http.StatusBadRequest, "reading the request body failed", nil)
		return
	}
	if len(body) > maxHandlerBody {
		e.fail(w, http.StatusRequestEntityTooLarge, "request body over 64 KiB", nil)
		return
	}
	if step == "plan" {
		h.plan(w, r, e, user, body)
		return
	}
	h.step(w, r, e, step, user, body)
}

// step answers a request on an upload planned before: parts, complete,
// abort or list, with the ticket of its plan.
func (h *MultipartHandler) step(w http.ResponseWriter, r *http.Request, e endpoint, step, user string, body []byte) {
	var req stepRequest
	if err := json.Unmarshal(body, &req); err != nil {
		e.fail(w, http.StatusBadRequest, "request body is not a JSON object: "+err.Error(), nil)
		return
	}
	t, err := openTicket(h.Secrets, req.Ticket, user, h.Signer.now())
	if err != nil {
		e.fail(w, http.StatusForbidden, err.Error(), nil)
		return
	}
	if err := checkUploadID(req.UploadID); err != nil {
		e.fail(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	m := t.multipart()
	ctx := r.Context()
	if step == "parts" {
		h.parts(w, r, e, &m, &req)
		return
	}
	var p *Presigned
	switch step {
	case "complete":
		p, err = h.Signer.PresignComplete(ctx, m, req.UploadID)
	case "abort":
		p, err = h.Signer.PresignAbort(ctx, m, req.UploadID)
	case "list":
		p, err = h.Signer.PresignListParts(ctx, m, req.UploadID)
	}
	if err != nil {
		e.failSign(w, err)
		return
	}
	e.answer(w, struct {
		Request *Presigned `json:"request"`
	}{p})
}

// parts answers a "parts" request: at most maxPartBatch part numbers of
// the planned upload m.
func (h *MultipartHandler) parts(w http.ResponseWriter, r *http.Request, e endpoint, m *Multipart, req *stepRequest) {
	_, count, err := m.Parts()
	if err != nil {
		e.fail(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	if len(req.Parts) == 0 || len(req.Parts) > maxPartBatch {
		e.fail(w, http.StatusBadRequest, fmt.Sprintf("ask for 1 to %d parts at a time (got %d)", maxPartBatch, len(req.Parts)), nil)
		return
	}
	for _, n := range req.Parts {
		if n < 1 || n > count {
			e.fail(w, http.StatusBadRequest, fmt.Sprintf("part number %d outside 1..%d", n, count), nil)
			return
		}
	}
	parts, err := h.Signer.PresignParts(r.Context(), *m, req.UploadID, req.Parts...)
	if err != nil {
		e.failSign(w, err)
		return
	}
	e.answer(w, struct {
		Parts []Part `json:"parts"`
	}{parts})
}

func (h *MultipartHandler) plan(w http.ResponseWriter, r *http.Request, e endpoint, user string, body []byte) {
	var f File
	if err := json.Unmarshal(body, &f); err != nil {
		e.fail(w, http.StatusBadRequest, "request body is not a JSON file description: "+err.Error(), nil)
		return
	}
	if f.Size <= 0 || f.Size > maxMultipartSize {
		e.fail(w, http.StatusBadRequest, fmt.Sprintf("file size %d outside 1..%d", f.Size, int64(maxMultipartSize)), nil)
		return
	}
	m, err := h.Plan(r, user, f)
	if err != nil {
		e.failApp(w, err)
		return
	}
	partSize, count, err := m.validate(h.Signer)
	if err != nil {
		e.failSign(w, err)
		return
	}
	initiate, err := h.Signer.presignInitiate(r.Context(), m) // m.validate was just called
	if err != nil {
		e.failSign(w, err)
		return
	}
	life := h.TicketExpires
	if life <= 0 {
		life = defaultTicketExpires
	}
	exp := h.Signer.now().Add(life)
	sealed, err := sealTicket(h.Secrets.Current(), &ticket{
		User: user, Expires: exp.Unix(), Key: m.Key, Size: m.Size, PartSize: partSize, ContentType: m.ContentType,
		Header: m.Header, URLExpires: m.Expires, Callback: m.Callback, Vars: m.CallbackVars,
	})
	if err != nil {
		e.fail(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	e.answer(w, planAnswer{Ticket: sealed, Key: m.Key, Size: m.Size, PartSize: partSize, PartCount: count, Expires: exp, Initiate: initiate})
}
