package signer

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/callback"
)

// CompanionHandler serves Companion's S3 routes (the protocol of Uppy's
// AwsS3 plugin with companionEndpoint) for OSS. Mount it under a prefix
// and give the plugin that prefix: AwsS3({companionEndpoint: "/uppy"}) with
// mux.Handle("/uppy/", h). Upload decides every upload, as for Handler:
// small files go by a POST policy with the callback; multipart uploads are
// initiated, listed, completed (with the callback) and aborted by this
// handler, and only the parts go from the browser to OSS. The uploadId the
// plugin carries is a sealed handle (HMAC with Secrets.Current()) naming the
// user, key and OSS upload id, so a user acts only on uploads this handler
// began for that user. See docs/UPPY.md for the routes and their answers.
type CompanionHandler struct {
	// Signer signs the policies and presigns the OSS requests. Required.
	Signer *Signer

	// Secrets key the handles' HMAC: handles are sealed with
	// Secrets.Current() and name it, and every Secret is accepted, so the
	// keyring rotates as the Verifier's does (usually the same value).
	// Required.
	Secrets callback.Secrets

	// User authenticates a request and returns a stable user id; a handle
	// is accepted only from the user it was issued to. Required.
	User func(r *http.Request) (string, error)

	// Upload decides the upload of the user's file f (f.Size is 0: the
	// plugin does not send it). KeyPrefix gets a random name for f appended;
	// MaxSize bounds the POST policy (at most 5 GiB) and the
	// multipart total (at most 10,000 parts of 5 GiB). Required.
	Upload func(r *http.Request, user string, f File) (Upload, error)

	// Client sends the requests the handler makes to OSS; nil means
	// http.DefaultClient. The request's context bounds each one.
	Client *http.Client

	// AllowOrigins and Logger are as in Handler.
	AllowOrigins []string
	Logger       *slog.Logger
}

// Validate reports what would make the handler fail every request, as
// Signer.Validate does, asking the Signer's provider once.
func (h *CompanionHandler) Validate() error {
	if err := h.check(); err != nil {
		return err
	}
	return h.Signer.Validate()
}

// check is Validate without asking for credentials.
func (h *CompanionHandler) check() error {
	switch {
	case h == nil:
		return fmt.Errorf("%w: nil CompanionHandler", ErrInvalidSigner)
	case h.Signer == nil || h.User == nil || h.Upload == nil:
		return fmt.Errorf("%w: CompanionHandler needs Signer, User and Upload", ErrInvalidSigner)
	}
	if err := h.Secrets.Validate(); err != nil {
		return fmt.Errorf("%w: CompanionHandler.Secrets: %w", ErrInvalidSigner, err)
	}
	return h.Signer.check()
}

// companionPlan is what a handle seals: who began which upload, and what
// Upload decided for it.
type companionPlan struct {
	User     string            `json:"u"`
	Expires  int64             `json:"e"`
	Key      string            `json:"k"`
	UploadID string            `json:"i"`
	MinSize  int64             `json:"n,omitempty"`
	MaxSize  int64             `json:"s"`
	Type     string            `json:"t,omitempty"`
	Header   http.Header       `json:"h,omitempty"`
	URLLife  time.Duration     `json:"x,omitempty"`
	Callback *callback.Params  `json:"c,omitempty"`
	Vars     map[string]string `json:"v,omitempty"`
}

// multipart is the Multipart the Signer presigns the plan's steps for; its
// Size is the object's, once known, or else MaxSize.
func (p *companionPlan) multipart(size int64) Multipart {
	if size <= 0 {
		size = p.MaxSize
	}
	return Multipart{Key: p.Key, Size: size, ContentType: p.Type, Header: p.Header, Expires: p.URLLife,
		Callback: p.Callback, CallbackVars: p.Vars}
}

// companionSeal seals a CompanionHandler's plans into the upload IDs it
// hands the plugin.
var companionSeal = sealing{
	context:   "ossdirect companion upload v1\n",
	malformed: "upload id is not one this handler issued",
	retired:   "upload id sealed with secret %q, which is no longer accepted",
	forged:    "upload id is not one this handler issued",
}

// sealPlan returns p sealed with secret, as the upload ID the plugin puts
// in its paths.
func sealPlan(secret callback.Secret, p *companionPlan) (string, error) {
	return companionSeal.seal(secret, p)
}

// openPlan verifies a handle for user, key and now. Errors wrap
// ErrInvalidTicket.
func openPlan(secrets callback.Secrets, sealed, user, key string, now time.Time) (*companionPlan, error) {
	var p companionPlan
	if err := companionSeal.open(secrets, sealed, &p); err != nil {
		return nil, err
	}
	switch {
	case p.User != user:
		return nil, fmt.Errorf("%w: upload begun by another user", ErrInvalidTicket)
	case p.Key != key:
		return nil, fmt.Errorf("%w: upload is of another key", ErrInvalidTicket)
	case now.Unix() > p.Expires:
		return nil, fmt.Errorf("%w: upload expired at %s", ErrInvalidTicket, time.Unix(p.Expires, 0).UTC().Format(time.RFC3339))
	}
	return &p, nil
}

// companionRoute is a request's route below ".../s3/": name is "params",
// "create", "list", "sign", "batch", "complete" or "abort".
type companionRoute struct {
	name, method string
	id           string // the sealed handle
	part         int
}

// parseCompanionRoute matches Companion's S3 router: GET /s3/params, POST
// /s3/multipart, GET and DELETE /s3/multipart/:id, GET
// /s3/multipart/:id/batch, GET /s3/multipart/:id/:n, POST
// /s3/multipart/:id/complete. It reads the path after its last "s3"
// element, so that the handler works under any prefix.
func parseCompanionRoute(method, p string) (companionRoute, bool) {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	i := len(segs) - 1
	for i >= 0 && segs[i] != "s3" {
		i--
	}
	if i < 0 {
		return companionRoute{}, false
	}
	rest := segs[i+1:]
	switch {
	case len(rest) == 1 && rest[0] == "params":
		return companionRoute{name: "params", method: http.MethodGet}, true
	case len(rest) == 1 && rest[0] == "multipart":
		return companionRoute{name: "create", method: http.MethodPost}, true
	case len(rest) == 2 && rest[0] == "multipart":
		if method == http.MethodDelete {
			return companionRoute{name: "abort", method: http.MethodDelete, id: rest[1]}, true
		}
		return companionRoute{name: "list", method: http.MethodGet, id: rest[1]}, true
	case len(rest) == 3 && rest[0] == "multipart":
		switch rest[2] {
		case "batch":
			return companionRoute{name: "batch", method: http.MethodGet, id: rest[1]}, true
		case "complete":
			return companionRoute{name: "complete", method: http.MethodPost, id: rest[1]}, true
		}
		n, err := strconv.Atoi(rest[2])
		if err != nil || n < 1 || n > maxParts {
			return companionRoute{name: "sign", method: http.MethodGet, id: rest[1], part: -1}, true
		}
		return companionRoute{name: "sign", method: http.MethodGet, id: rest[1], part: n}, true
	}
	return companionRoute{}, false
}

// ServeHTTP implements http.Handler.
func (h *CompanionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := endpoint{allowOrigins: h.AllowOrigins, logger: h.Logger}
	origin, allowed := e.begin(w, r)
	if r.Method == http.MethodOptions {
		e.preflight(w, r, origin, allowed, "GET, POST, DELETE, OPTIONS", "GET, POST, DELETE")
		return
	}
	rt, ok := parseCompanionRoute(r.Method, r.URL.Path)
	if !ok {
		e.fail(w, http.StatusNotFound, "no such route: "+r.URL.Path, nil)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method+", OPTIONS")
		e.fail(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed", nil)
		return
	}
	if err := h.check(); err != nil {
		e.fail(w, http.StatusInternalServerError, "internal error", err)
		return
	}
	user, err := h.User(r)
	if err != nil {
		e.failApp(w, err)
		return
	}
	c := companionCall{h: h, e: e, w: w, r: r, user: user}
	switch rt.name {
	case "params":
		c.params()
	case "create":
		c.create()
	default:
		plan, err := openPlan(h.Secrets, rt.id, user, r.URL.Query().Get("key"), h.Signer.now())
		if err != nil {
			e.fail(w, http.StatusForbidden, err.Error(), nil)
			return
		}
		c.onUpload(rt, plan)
	}
}

// companionCall is one request to a CompanionHandler.
type companionCall struct {
	h    *CompanionHandler
	e    endpoint
	w    http.ResponseWriter
	r    *http.Request
	user string
}

func (c *companionCall) onUpload(rt companionRoute, plan *companionPlan) {
	switch rt.name {
	case "list":
		parts, err := c.listParts(plan)
		if err != nil {
			c.failOSS(err)
			return
		}
		c.e.answer(c.w, parts)
	case "sign":
		if rt.part < 1 {
			c.e.fail(c.w, http.StatusBadRequest, fmt.Sprintf("part number outside 1..%d", maxParts), nil)
			return
		}
		urls, ok := c.signParts(plan, []int{rt.part})
		if ok {
			c.e.answer(c.w, map[string]any{"url": urls[0], "expires": c.urlSeconds(plan)})
		}
	case "batch":
		c.batch(plan)
	case "complete":
		c.complete(plan)
	case "abort":
		p, err := c.h.Signer.PresignAbort(c.r.Context(), plan.multipart(0), plan.UploadID)
		if err != nil {
			c.e.failSign(c.w, err)
			return
		}
		if _, err := c.send(p, nil); err != nil {
			c.failOSS(err)
			return
		}
		c.e.answer(c.w, struct{}{})
	}
}

// decide asks Upload for the user's file and names its object.
func (c *companionCall) decide(name, typ string) (Upload, bool) {
	if name == "" {
		c.e.fail(c.w, http.StatusBadRequest, `the "filename" is required`, nil)
		return Upload{}, false
	}
	if typ != "" && !validContentType(typ) {
		c.e.fail(c.w, http.StatusBadRequest, fmt.Sprintf("type %q is not of the form type/subtype", typ), nil)
		return Upload{}, false
	}
	u, err := c.h.Upload(c.r, c.user, File{Name: name, Type: typ})
	if err != nil {
		c.e.failApp(c.w, err)
		return Upload{}, false
	}
	if len(u.ContentTypes) > 0 && !containsFold(u.ContentTypes, typ) {
		c.e.fail(c.w, http.StatusUnsupportedMediaType, fmt.Sprintf("files of type %q are not accepted", typ), nil)
		return Upload{}, false
	}
	if u.Key == "" {
		u.Key = u.KeyPrefix + randomName(name)
		u.KeyPrefix, u.AllowAnyKey = "", false
	}
	return u, true
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// randomName is a fresh object name for a file called name: 16 random hex
// digits, "-", and the file name's last element without control characters,
// cut to 200 bytes, so two uploads of "a.jpg" never collide. "${" becomes
// "_{": Upload refuses it in a key (see checkObjectName).
func randomName(name string) string {
	var b [8]byte
	rand.Read(b[:])
	base := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, path.Base(strings.ReplaceAll(name, "\\", "/")))
	base = strings.ReplaceAll(base, "${", "_{")
	for len(base) > 200 {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	if base == "." || base == "/" || base == "" {
		base = "file"
	}
	return hex.EncodeToString(b[:]) + "-" + base
}

// params answers GET /s3/params?filename=&type= with a POST policy:
// {"method": "POST", "url", "fields"}; the plugin posts fields, then the
// file, to url.
func (c *companionCall) params() {
	q := c.r.URL.Query()
	typ := q.Get("type")
	u, ok := c.decide(q.Get("filename"), typ)
	if !ok {
		return
	}
	u.MaxSize = min(u.MaxSize, maxObjectSize)
	tok, err := c.h.Signer.Sign(c.r.Context(), u)
	if err != nil {
		c.e.failSign(c.w, err)
		return
	}
	fields := make(map[string]string, len(tok.Fields)+2)
	for k, v := range tok.Fields {
		fields[k] = v
	}
	fields["key"] = tok.Key
	if len(tok.ContentTypes) > 0 {
		fields[fieldContentType] = typ
	}
	c.e.answer(c.w, map[string]any{"method": "POST", "url": tok.Host, "fields": fields, "expires": tok.Expire - c.h.Signer.now().Unix()})
}

// create answers POST /s3/multipart {"filename", "type"} by initiating the
// upload at OSS: {"key", "uploadId", "bucket"}, where uploadId is the
// sealed plan.
func (c *companionCall) create() {
	var req struct {
		Filename string `json:"filename"`
		Type     string `json:"type"`
	}
	if !c.readJSON(&req) {
		return
	}
	u, ok := c.decide(req.Filename, req.Type)
	if !ok {
		return
	}
	plan, err := planOf(u, req.Type)
	if err != nil {
		c.e.failSign(c.w, err)
		return
	}
	plan.User = c.user
	plan.Expires = c.h.Signer.now().Add(defaultTicketExpires).Unix()
	p, err := c.h.Signer.PresignInitiate(c.r.Context(), plan.multipart(0))
	if err != nil {
		c.e.failSign(c.w, err)
		return
	}
	a, err := c.send(p, nil)
	if err != nil {
		c.failOSS(err)
		return
	}
	var res struct {
		UploadID string `xml:"UploadId"`
	}
	body := a.body
	if err := xml.Unmarshal(body, &res); err != nil || checkUploadID(res.UploadID) != nil {
		c.e.fail(c.w, http.StatusBadGateway, "OSS gave no upload id", fmt.Errorf("InitiateMultipartUpload answer %.200q", body))
		return
	}
	plan.UploadID = res.UploadID
	sealed, err := sealPlan(c.h.Secrets.Current(), plan)
	if err != nil {
		c.e.fail(c.w, http.StatusInternalServerError, "internal error", err)
		return
	}
	c.e.answer(c.w, map[string]string{"key": plan.Key, "uploadId": sealed, "bucket": c.h.Signer.Bucket})
}

// planOf turns the application's Upload into a multipart plan: the object
// type is the file's, and the pinned metadata, ACL and overwrite rule become
// headers of InitiateMultipartUpload.
func planOf(u Upload, typ string) (*companionPlan, error) {
	maxSize := u.MaxSize
	if maxSize > maxMultipartSize {
		return nil, invalid("MaxSize %d exceeds %d bytes", maxSize, int64(maxMultipartSize))
	}
	// prepare checks the rest; MaxSize may exceed PostObject's limit here.
	u.MaxSize = min(u.MaxSize, maxObjectSize)
	u.MinSize = min(u.MinSize, u.MaxSize)
	if _, err := u.prepare(); err != nil {
		return nil, err
	}
	hdr := http.Header{}
	for name, v := range u.Meta {
		hdr.Set(metaField(name), v)
	}
	if u.ACL != "" {
		hdr.Set("x-oss-object-acl", u.ACL)
	}
	if u.ForbidOverwrite {
		hdr.Set("x-oss-forbid-overwrite", "true")
	}
	if len(hdr) == 0 {
		hdr = nil
	}
	return &companionPlan{Key: u.Key, MinSize: u.MinSize, MaxSize: maxSize, Type: typ, Header: hdr,
		URLLife: u.Expires, Callback: u.Callback, Vars: u.CallbackVars}, nil
}

func (c *companionCall) readJSON(v any) bool {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, 1<<20+1))
	switch {
	case err != nil:
		c.e.fail(c.w, http.StatusBadRequest, "reading the request body failed", nil)
		return false
	case len(body) > 1<<20:
		c.e.fail(c.w, http.StatusRequestEntityTooLarge, "request body over 1 MiB", nil)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		c.e.fail(c.w, http.StatusBadRequest, "request body is not the expected JSON object: "+err.Error(), nil)
		return false
	}
	return true
}

// urlSeconds is the validity of presigned URLs, in seconds, as Companion
// reports it.
func (c *companionCall) urlSeconds(plan *companionPlan) int64 {
	if plan.URLLife > 0 {
		return int64(plan.URLLife / time.Second)
	}
	return int64(defaultExpires / time.Second)
}

// signParts presigns UploadPart for the part numbers, asking for
// credentials once for the batch (ServeHTTP has checked the Signer). Part
// lengths are not bound: the plugin chooses them and never says; complete
// checks the total.
func (c *companionCall) signParts(plan *companionPlan, numbers []int) ([]string, bool) {
	s := c.h.Signer
	reqs := make([]Request, len(numbers))
	prs := make([]presignedRequest, len(numbers))
	for i, n := range numbers {
		reqs[i] = Request{Method: http.MethodPut, Key: plan.Key, Expires: plan.URLLife,
			Query: url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {plan.UploadID}}}
		var err error
		if prs[i], err = reqs[i].prepare(s.Version); err != nil {
			c.e.failSign(c.w, err)
			return nil, false
		}
	}
	ps, err := s.presignAll(c.r.Context(), reqs, prs)
	if err != nil {
		c.e.failSign(c.w, err)
		return nil, false
	}
	urls := make([]string, len(ps))
	for i, p := range ps {
		urls[i] = p.URL
	}
	return urls, true
}

// batch answers GET /s3/multipart/:id/batch?partNumbers=1,2 with
// {"presignedUrls": {"1": url, ...}}.
func (c *companionCall) batch(plan *companionPlan) {
	list := strings.Split(c.r.URL.Query().Get("partNumbers"), ",")
	if len(list) > maxPartBatch {
		c.e.fail(c.w, http.StatusBadRequest, fmt.Sprintf("ask for 1 to %d parts at a time (got %d)", maxPartBatch, len(list)), nil)
		return
	}
	numbers := make([]int, len(list))
	for i, s := range list {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxParts {
			c.e.fail(c.w, http.StatusBadRequest, fmt.Sprintf("part number %q outside 1..%d", s, maxParts), nil)
			return
		}
		numbers[i] = n
	}
	urls, ok := c.signParts(plan, numbers)
	if !ok {
		return
	}
	out := make(map[string]string, len(urls))
	for i, u := range urls {
		out[strconv.Itoa(numbers[i])] = u
	}
	c.e.answer(c.w, map[string]any{"presignedUrls": out})
}
