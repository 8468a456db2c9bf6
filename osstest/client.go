package osstest

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/ossdirect/ossdirect/signer"
)

// Signer returns a signer.Signer that issues tokens for this server: its
// first access key (with its STS token, if any), bucket and region, the
// server's URL as Endpoint and the emulator's clock. Set CallbackSecret (and
// anything else) on the result as for a real bucket.
func (s *Server) Signer() *signer.Signer {
	k := s.AccessKey()
	return &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: k.ID, AccessKeySecret: k.Secret, SecurityToken: k.SecurityToken},
		Bucket:      s.Bucket(),
		Region:      s.Region(),
		Endpoint:    s.URL,
		Now:         s.now,
	}
}

// PostForm is one browser upload with a token: what a page does with the
// answer of a token endpoint and a file the user picked.
type PostForm struct {
	// Token is the signed bundle from signer.Signer.Sign. Required.
	Token *signer.Token
	// FileName is the file's name, sent in the file part; it is what
	// ${filename} in the key expands to.
	FileName string
	// Key is the object name to send; empty means Token.Key, or Token.Dir
	// followed by FileName.
	Key string
	// ContentType is the file part's Content-Type; empty means
	// application/octet-stream, as browsers send for unknown types.
	ContentType string
	// Fields are extra form fields sent after the token's, such as
	// x-oss-content-type when the token allows several types. They cannot
	// replace a field of the token.
	Fields map[string]string
	// Body is the file's content, streamed.
	Body io.Reader
}

// NewPostRequest returns the multipart/form-data POST a browser sends to
// f.Token.Host: the token's fields, the extra fields, key, and the file
// last, which OSS requires (fields after the file are ignored; see
// https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// The body is streamed from f.Body while the request is sent.
func NewPostRequest(ctx context.Context, f PostForm) (*http.Request, error) {
	if f.Token == nil {
		return nil, fmt.Errorf("%w: PostForm has no Token", ErrInvalid)
	}
	if f.Body == nil {
		return nil, fmt.Errorf("%w: PostForm has no Body", ErrInvalid)
	}
	key := f.Key
	switch {
	case key != "":
	case f.Token.Key != "":
		key = f.Token.Key
	default:
		key = f.Token.Dir + f.FileName
	}
	if key == "" {
		return nil, fmt.Errorf("%w: PostForm has no Key, and the token names neither a key nor a directory with a FileName", ErrInvalid)
	}
	for name := range f.Fields {
		if _, ok := f.Token.Fields[name]; ok || strings.EqualFold(name, "key") || strings.EqualFold(name, "file") {
			return nil, fmt.Errorf("%w: PostForm extra field %q would replace the token's", ErrInvalid, name)
		}
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeForm(mw, f, key, ct))
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Token.Host+"/", pr)
	if err != nil {
		pr.Close()
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req, nil
}

func writeForm(mw *multipart.Writer, f PostForm, key, contentType string) error {
	for _, fields := range []map[string]string{f.Token.Fields, f.Fields} {
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if err := mw.WriteField(n, fields[n]); err != nil {
				return err
			}
		}
	}
	if err := mw.WriteField("key", key); err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f.FileName))
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, f.Body); err != nil {
		return err
	}
	return mw.Close()
}
