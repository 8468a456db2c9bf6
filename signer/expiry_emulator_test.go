package signer_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// The emulator refuses a request once its STS token has expired, as OSS
// does. Everything the Signer issues with credentials that expire in five
// minutes, asked for an hour, is shortened to those five minutes: it works
// until the last second of the credentials, and its own expiry is theirs,
// for POST, presigned PUT and every multipart step. With under a minute
// left the Signer refuses.
func TestExpiringCredentialsAgainstEmulator(t *testing.T) {
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	credsExpire := start.Add(5 * time.Minute)
	var now atomic.Int64
	now.Store(start.Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0).UTC() }
	sts := osstest.AccessKey{ID: "STS.expiring", Secret: "sts-secret", SecurityToken: "sts-token", Expires: credsExpire}
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{sts}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	content := bytes.Repeat([]byte("0123456789"), 15<<10) // 150 KiB: two parts

	for _, v := range []signer.Version{signer.V4, signer.V1} {
		t.Run(v.String(), func(t *testing.T) {
			now.Store(start.Unix())
			s := &signer.Signer{
				Credentials: signer.StaticCredentials{AccessKeyID: sts.ID, AccessKeySecret: sts.Secret, SecurityToken: sts.SecurityToken, Expires: credsExpire},
				Bucket:      srv.Bucket(), Region: srv.Region(), Endpoint: srv.URL, Version: v, Now: clock,
			}
			prefix := "users/" + v.String() + "/"
			tok, err := s.Sign(ctx, signer.Upload{KeyPrefix: prefix, MaxSize: 1 << 20, Expires: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			put, err := s.Presign(ctx, signer.Request{Key: prefix + "put.txt", Expires: time.Hour, ContentType: "text/plain"})
			if err != nil {
				t.Fatal(err)
			}
			m := signer.Multipart{Key: prefix + "big.bin", Size: int64(len(content)), PartSize: 100 << 10, Expires: time.Hour}
			initiate, err := s.PresignInitiate(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Expire != credsExpire.Unix() || !put.Expires.Equal(credsExpire) || !initiate.Expires.Equal(credsExpire) {
				t.Fatalf("expiries: token %d, PUT %v, initiate %v; want the credentials' %v",
					tok.Expire, put.Expires, initiate.Expires, credsExpire)
			}

			// The last second of the credentials: everything still works.
			now.Store(credsExpire.Unix() - 1)
			if status, body := postForm(t, srv.Client(), tok, nil, prefix+"post.txt", "text/plain", []byte("posted")); status/100 != 2 {
				t.Errorf("POST in the last second: %d %s", status, body)
			}
			if status, body := send(t, srv.Client(), put, nil, []byte("put")); status != 200 {
				t.Errorf("PUT in the last second: %d %s", status, body)
			}
			status, body := send(t, srv.Client(), initiate, nil, nil)
			var ir initiateResult
			if status != 200 || xml.Unmarshal([]byte(body), &ir) != nil {
				t.Fatalf("initiate: %d %s", status, body)
			}
			now.Store(start.Unix()) // signed at the start, sent in the last second
			parts, err := s.PresignParts(ctx, m, ir.UploadID, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			complete, err := s.PresignComplete(ctx, m, ir.UploadID)
			if err != nil {
				t.Fatal(err)
			}
			list, err := s.PresignListParts(ctx, m, ir.UploadID)
			if err != nil {
				t.Fatal(err)
			}
			now.Store(credsExpire.Unix() - 1)
			var done completeBody
			for _, p := range parts {
				if !p.Expires.Equal(credsExpire) {
					t.Errorf("part %d expires %v, want %v", p.Number, p.Expires, credsExpire)
				}
				off := (p.Number - 1) * (100 << 10)
				end := min(off+100<<10, len(content))
				status, body := send(t, srv.Client(), &p.Presigned, nil, content[off:end])
				if status != 200 {
					t.Fatalf("part %d: %d %s", p.Number, status, body)
				}
			}
			// ETags are read back from ListParts, since send drops headers.
			status, body = send(t, srv.Client(), list, nil, nil)
			var listed struct {
				Parts []completePart `xml:"Part"`
			}
			if status != 200 || xml.Unmarshal([]byte(body), &listed) != nil || len(listed.Parts) != 2 {
				t.Fatalf("list parts: %d %s", status, body)
			}
			done.Parts = listed.Parts
			xmlBody, _ := xml.Marshal(done)
			if !complete.Expires.Equal(credsExpire) {
				t.Errorf("complete expires %v, want %v", complete.Expires, credsExpire)
			}
			if status, body := send(t, srv.Client(), complete, nil, xmlBody); status != 200 {
				t.Errorf("complete in the last second: %d %s", status, body)
			}

			// From the credentials' expiry, OSS refuses the token, and the
			// token itself says it has expired.
			now.Store(credsExpire.Unix())
			if status, body := postForm(t, srv.Client(), tok, nil, prefix+"late.txt", "text/plain", []byte("late")); status != 403 {
				t.Errorf("POST at expiry: %d %s, want 403", status, body)
			}
			if status, body := send(t, srv.Client(), put, nil, []byte("late")); status != 403 {
				t.Errorf("PUT at expiry: %d %s, want 403", status, body)
			}

			// Under a minute left: refused, not shortened.
			now.Store(credsExpire.Unix() - 59)
			if _, err := s.Sign(ctx, signer.Upload{KeyPrefix: prefix, MaxSize: 1}); !errors.Is(err, signer.ErrCredentials) {
				t.Errorf("Sign with 59 s left: %v, want ErrCredentials", err)
			}
			if _, err := s.Presign(ctx, signer.Request{Key: prefix + "k"}); !errors.Is(err, signer.ErrCredentials) || !strings.Contains(err.Error(), "expire") {
				t.Errorf("Presign with 59 s left: %v, want ErrCredentials", err)
			}
		})
	}
}
