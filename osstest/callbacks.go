package osstest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // imageInfo.* for GIF uploads
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/verify"
)

// CallbackRecord is one callback attempt the emulator made (or, with a
// fault hook, did not make).
type CallbackRecord struct {
	// URL is the callback URL as requested (scheme added if omitted).
	URL string
	// Host is the Host header sent: callbackHost or the URL's host.
	Host string
	// Header holds the request headers sent
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
	Header http.Header
	// Body is the rendered callback body.
	Body []byte
	// Object is the key of the uploaded object.
	Object string
	// Status is the app's HTTP status, 0 if no response was received.
	Status int
	// ResponseHeader and ResponseBody are the app's answer, if any.
	ResponseHeader http.Header
	ResponseBody   []byte
	// Err is nil for the attempt that succeeded. Otherwise its message is
	// what OSS reports in CallbackFailed (e.g. "Error status : 500."), and
	// it wraps the underlying cause, if any.
	Err error
}

// attemptError is a failed attempt: msg is OSS's CallbackFailed message.
type attemptError struct {
	msg   string
	cause error
}

func (e *attemptError) Error() string { return e.msg }

func (e *attemptError) Unwrap() error { return e.cause }

// Callbacks returns every callback attempt so far, oldest first.
func (e *Emulator) Callbacks() []CallbackRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]CallbackRecord, len(e.callbacks))
	copy(out, e.callbacks)
	return out
}

// KeyFetcher returns a verify.KeyFetcher that trusts only the emulator's
// own public-key URL(s), so callback.Verify accepts the emulator's
// callbacks and nothing else. It answers from memory (the same key the
// emulator serves over HTTP).
func (e *Emulator) KeyFetcher() verify.KeyFetcher { return keyFetcher{e} }

type keyFetcher struct{ e *Emulator }

// FetchKey returns the emulator's public key for a URL it advertised in
// x-oss-pub-key-url and refuses every other URL with
// verify.ErrUntrustedKeyURL.
func (k keyFetcher) FetchKey(_ context.Context, u string) (*rsa.PublicKey, error) {
	if !k.e.trustsKeyURL(u) {
		return nil, fmt.Errorf("osstest: %w: %q is not this emulator's key URL", verify.ErrUntrustedKeyURL, u)
	}
	pub := *k.e.sign.pub
	return &pub, nil
}

// callbackClient returns the client callbacks are sent with. It never
// follows redirects: OSS reports them as "Error status : 301."
// (docs/PROTOCOL.md#callback-answer). Its transport never asks for
// compression: Go's transport adds "Accept-Encoding: gzip" on its own, a
// header OSS does not send (docs/PROTOCOL.md#callback-request), and
// an app behind a compressing middleware would then answer gzip without a
// Content-Length, which the emulator would count as a failed callback while
// OSS gets the plain answer. A caller's *http.Transport is cloned to turn
// that off; another RoundTripper is used as it is.
func callbackClient(c *http.Client) *http.Client {
	var cc http.Client
	if c != nil {
		cc = *c
		rt := cc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		if tr, ok := rt.(*http.Transport); ok {
			tr = tr.Clone()
			tr.DisableCompression = true
			rt = tr
		}
		cc.Transport = rt
	} else {
		cc.Transport = &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			DisableCompression:  true,
		}
	}
	cc.Timeout = 0
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// runCallback renders the body, tries each callbackUrl in order and answers
// the uploader (docs/PROTOCOL.md#callback-outcome): 200 with the app's body
// on the first success, 203 CallbackFailed with the last failure's message
// otherwise. The object is stored either way.
func (e *Emulator) runCallback(w http.ResponseWriter, r *http.Request, rc *reqCtx, up *upload) {
	body, err := callback.Render(*up.callback, e.callbackValues(up, rc))
	if err != nil {
		// DecodeParams accepted the template, so Render cannot fail; if it
		// does, report it like any other callback failure.
		writeError(w, rc, newErr(203, "CallbackFailed", err.Error()).withEC("0007-00000203"))
		return
	}
	pubURL := e.publicKeyURLFor(r)
	var last error
	for _, raw := range strings.Split(up.callback.URL, ";") {
		rec := e.attempt(raw, body, up, rc, pubURL)
		e.mu.Lock()
		e.callbacks = append(e.callbacks, rec)
		e.mu.Unlock()
		if rec.Err == nil {
			ct := rec.ResponseHeader.Get("Content-Type")
			if ct == "" {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Length", strconv.Itoa(len(rec.ResponseBody)))
			w.WriteHeader(http.StatusOK)
			w.Write(rec.ResponseBody)
			return
		}
		last = rec.Err
	}
	writeError(w, rc, newErr(203, "CallbackFailed", last.Error()).withEC("0007-00000203"))
}

// callbackValues are the ${…} variables (docs/PROTOCOL.md#callback-variables).
func (e *Emulator) callbackValues(up *upload, rc *reqCtx) map[string]string {
	v := map[string]string{
		callback.VarBucket:     e.bucket,
		callback.VarObject:     up.obj.Key,
		callback.VarETag:       strings.Trim(up.obj.ETag, `"`),
		callback.VarSize:       strconv.FormatInt(up.obj.Size, 10),
		callback.VarMimeType:   up.obj.ContentType,
		callback.VarCRC64:      strconv.FormatUint(up.obj.CRC64, 10),
		callback.VarContentMD5: up.obj.ContentMD5,
		callback.VarVpcID:      "",
		callback.VarClientIP:   up.clientIP,
		callback.VarReqID:      rc.id,
		callback.VarOperation:  up.operation,
	}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(up.sniff)); err == nil {
		v[callback.VarImageHeight] = strconv.Itoa(cfg.Height)
		v[callback.VarImageWidth] = strconv.Itoa(cfg.Width)
		v[callback.VarImageFormat] = map[string]string{"jpeg": "JPG", "png": "PNG", "gif": "GIF"}[format]
	}
	for name, val := range up.vars {
		v[name] = val
	}
	return v
}

// attempt sends one callback request. The uploader's disconnect does not
// cancel it (OSS has stored the object and calls back regardless); the
// timeout does, and so does Server.Close or Emulator.Close.
func (e *Emulator) attempt(raw string, body []byte, up *upload, rc *reqCtx, pubURL string) CallbackRecord {
	rec := CallbackRecord{Body: body, Object: up.obj.Key}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw // OSS's examples omit the scheme (docs/PROTOCOL.md#callback-parameter)
	}
	rec.URL = raw
	u, err := url.Parse(raw)
	if err != nil {
		rec.Err = &attemptError{msg: msgCannotConnect, cause: err}
		return rec
	}
	rec.Host = u.Host
	if up.callback.Host != "" {
		rec.Host = up.callback.Host
	}

	hdr := e.callbackHeader(u, body, up, rc, pubURL)
	rec.Header = hdr.Clone()

	e.mu.Lock()
	fault := e.fault
	e.mu.Unlock()
	if fault != nil {
		if err := fault(raw); err != nil {
			rec.Err = &attemptError{msg: msgCannotConnect, cause: err}
			return rec
		}
	}

	ctx, cancel := context.WithTimeout(e.closing, e.callbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, bytes.NewReader(body))
	if err != nil {
		rec.Err = &attemptError{msg: msgCannotConnect, cause: err}
		return rec
	}
	req.Header = hdr
	req.Host = rec.Host
	req.Close = true // "Connection: close" (docs/PROTOCOL.md#callback-request)
	resp, err := e.client.Do(req)
	if err != nil {
		rec.Err = e.transportError(ctx, u, err)
		return rec
	}
	defer resp.Body.Close()
	rec.Status = resp.StatusCode
	rec.ResponseHeader = resp.Header.Clone()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, callback.MaxResponseBytes+1))
	rec.ResponseBody = rb
	if err != nil {
		rec.Err = e.transportError(ctx, u, err)
		return rec
	}
	rec.Err = checkAppAnswer(resp, rb)
	return rec
}

// callbackHeader is the header of a callback request to u, signed
// with MD5withRSA over the url-decoded path, the raw query with "?", a
// newline and the body (docs/PROTOCOL.md#callback-signature). Go sends
// u.EscapedPath(), which decodes to u.Path.
func (e *Emulator) callbackHeader(u *url.URL, body []byte, up *upload, rc *reqCtx, pubURL string) http.Header {
	path := u.Path
	if path == "" {
		path = "/"
	}
	toSign := path
	if u.RawQuery != "" || u.ForceQuery {
		toSign += "?" + u.RawQuery
	}
	toSign += "\n" + string(body)
	sig := e.sign.signMD5([]byte(toSign))
	sum := md5.Sum(body)
	bodyType := up.callback.BodyType
	if bodyType == "" {
		bodyType = callback.BodyTypeForm
	}
	hdr := http.Header{}
	hdr.Set("Authorization", base64.StdEncoding.EncodeToString(sig))
	hdr.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	hdr.Set("Content-Type", bodyType)
	hdr.Set("Date", e.now().UTC().Format(http.TimeFormat))
	hdr.Set("User-Agent", "aliyun-oss-callback")
	hdr.Set("X-Oss-Bucket", e.bucket)
	hdr.Set("X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte(pubURL)))
	hdr.Set("X-Oss-Request-Id", rc.id)
	hdr.Set("X-Oss-Requester", up.requester)
	hdr.Set("X-Oss-Signature-Version", "1.0")
	hdr.Set("X-Oss-Tag", "CALLBACK")
	return hdr
}

const msgCannotConnect = "Error status : -1. OSS can not connect to your callbackUrl, please check it."

// transportError maps a failed exchange to OSS's messages
// (docs/PROTOCOL.md#callback-outcome).
// The timeout message reports the timeout as the cost, so that it does not
// depend on the wall clock.
func (e *Emulator) transportError(ctx context.Context, u *url.URL, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		host := u.Host
		if u.Port() == "" {
			port := "80"
			if u.Scheme == "https" {
				port = "443"
			}
			host = net.JoinHostPort(u.Hostname(), port)
		}
		ms := e.callbackTimeout.Milliseconds()
		return &attemptError{msg: fmt.Sprintf("error status:-1 %s reply timeout, cost:%d MS, timeout:%d MS", host, ms, ms), cause: err}
	}
	return &attemptError{msg: msgCannotConnect, cause: err}
}

// checkAppAnswer applies docs/PROTOCOL.md#callback-answer: exactly 200, a
// Content-Length, at most 1 MB (callback.MaxResponseBytes, the limit Handler
// keeps to), and a JSON body (or well-formed XML with application/xml, per
// S9z). Messages for the Content-Length and size rules are not documented
// [inferred].
func checkAppAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusOK {
		return &attemptError{msg: fmt.Sprintf("Error status : %d.", resp.StatusCode)}
	}
	if resp.ContentLength < 0 {
		return &attemptError{msg: "Response has no Content-Length header."}
	}
	if len(body) > callback.MaxResponseBytes {
		return &attemptError{msg: "Response body is too large."}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/xml" {
		if wellFormedXML(body) {
			return nil
		}
	} else if json.Valid(body) {
		return nil
	}
	return &attemptError{msg: "Response body is not valid json format."}
}

func wellFormedXML(b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return elements > 0
		}
		if err != nil {
			return false
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
}
