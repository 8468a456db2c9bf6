package signer

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
)

func TestMultipartParts(t *testing.T) {
	tests := []struct {
		name      string
		size, ps  int64
		wantSize  int64
		wantCount int
		wantErr   bool
	}{
		{"one byte", 1, 0, defaultPartSize, 1, false},
		{"default part size", 100 << 20, 0, defaultPartSize, 13, false},
		{"exact multiple", 80 << 20, 0, defaultPartSize, 10, false},
		{"raised to fit 10000 parts, rounded to MiB", 200 << 30, 0, 21 << 20, 9753, false},
		{"largest object", maxMultipartSize, 0, maxPartSize, maxParts, false},
		{"minimum part size", 1 << 20, minPartSize, minPartSize, 11, false},
		{"maximum part size", 6 << 30, maxPartSize, maxPartSize, 2, false},
		{"part size under 100 KiB", 1 << 20, minPartSize - 1, 0, 0, true},
		{"part size over 5 GiB", 10 << 30, maxPartSize + 1, 0, 0, true},
		{"too many parts", 10001 * minPartSize, minPartSize, 0, 0, true},
		{"exactly 10000 parts", 10000 * minPartSize, minPartSize, minPartSize, 10000, false},
		{"zero size", 0, 0, 0, 0, true},
		{"negative size", -1, 0, 0, 0, true},
		{"over the largest object", maxMultipartSize + 1, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Multipart{Key: "k", Size: tt.size, PartSize: tt.ps}
			ps, n, err := m.Parts()
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidUpload) {
					t.Fatalf("Parts() = %d, %d, %v; want ErrInvalidUpload", ps, n, err)
				}
				return
			}
			if err != nil || ps != tt.wantSize || n != tt.wantCount {
				t.Fatalf("Parts() = %d, %d, %v; want %d, %d", ps, n, err, tt.wantSize, tt.wantCount)
			}
			// The parts cover the object exactly, the last one non-empty.
			if last := m.partLength(ps, n, n); last <= 0 || last > ps || int64(n-1)*ps+last != tt.size {
				t.Errorf("last part %d bytes does not complete %d bytes", last, tt.size)
			}
		})
	}
}

func multipartSigner(v Version) *Signer {
	s := vectorSigner(1702781677, "")
	s.Version = v
	s.CallbackSecret = testBindingSecret
	return s
}

var testMultipart = Multipart{
	Key: "users/42/video.mp4", Size: 10<<20 + 5, PartSize: 1 << 20, ContentType: "video/mp4",
	Header:   http.Header{"X-Oss-Meta-Owner": {"42"}, "x-oss-forbid-overwrite": {"true"}},
	Callback: &callback.Params{URL: "https://app.example.com/cb?kind=video", Body: "object=${object}&size=${size}"},
}

func TestPresignInitiate(t *testing.T) {
	p, err := multipartSigner(V4).PresignInitiate(context.Background(), testMultipart)
	if err != nil {
		t.Fatal(err)
	}
	q := mustQuery(t, p.URL)
	if p.Method != "POST" || !q.Has("uploads") || q.Get("uploads") != "" || q.Has("callback") {
		t.Errorf("initiate %s %s; want POST with a bare uploads and no callback", p.Method, p.URL)
	}
	want := map[string]string{"content-type": "video/mp4", "x-oss-meta-owner": "42", "x-oss-forbid-overwrite": "true"}
	if diff := cmp.Diff(want, p.Header); diff != "" {
		t.Errorf("Header (-want +got):\n%s", diff)
	}
}

func TestPresignParts(t *testing.T) {
	ctx := context.Background()
	for _, v := range []Version{V4, V1} {
		t.Run(v.String(), func(t *testing.T) {
			parts, err := multipartSigner(v).PresignParts(ctx, testMultipart, "UPLOAD1", 1, 10, 11)
			if err != nil {
				t.Fatal(err)
			}
			wantLen := map[int]int64{1: 1 << 20, 10: 1 << 20, 11: 5}
			for _, p := range parts {
				q := mustQuery(t, p.URL)
				if p.Method != "PUT" || q.Get("partNumber") != strconv.Itoa(p.Number) || q.Get("uploadId") != "UPLOAD1" {
					t.Errorf("part %d: %s %s", p.Number, p.Method, p.URL)
				}
				if p.Header != nil {
					t.Errorf("part %d asks for headers %v; a Blob slice sends none", p.Number, p.Header)
				}
				switch v {
				case V4:
					if p.ContentLength != wantLen[p.Number] || q.Get("x-oss-additional-headers") != "content-length" {
						t.Errorf("part %d: ContentLength %d, additional headers %q; want %d bound", p.Number, p.ContentLength, q.Get("x-oss-additional-headers"), wantLen[p.Number])
					}
				case V1:
					if p.ContentLength != 0 {
						t.Errorf("part %d: V1 reports ContentLength %d it cannot bind", p.Number, p.ContentLength)
					}
				}
			}
			if len(parts) != 3 || parts[0].Number != 1 || parts[2].Number != 11 {
				t.Errorf("parts %v, want 1, 10, 11 in order", parts)
			}
		})
	}
	refusals := []struct {
		name   string
		id     string
		number int
	}{
		{"part 0", "U", 0},
		{"part after the last", "U", 12},
		{"negative part", "U", -1},
		{"empty upload id", "", 1},
		{"upload id with a space", "a b", 1},
		{"upload id with a newline", "a\nb", 1},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := multipartSigner(V4).PresignParts(ctx, testMultipart, tt.id, tt.number); !errors.Is(err, ErrInvalidUpload) {
				t.Fatalf("PresignParts = %v, %v; want ErrInvalidUpload", p, err)
			}
		})
	}
}

func TestPresignComplete(t *testing.T) {
	for _, v := range []Version{V4, V1} {
		t.Run(v.String(), func(t *testing.T) {
			s := multipartSigner(v)
			p, err := s.PresignComplete(context.Background(), testMultipart, "UPLOAD1")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"content-type": "application/xml", "x-oss-forbid-overwrite": "true"}
			if diff := cmp.Diff(want, p.Header); diff != "" {
				t.Errorf("Header (-want +got):\n%s", diff)
			}
			q := mustQuery(t, p.URL)
			if p.Method != "POST" || q.Get("uploadId") != "UPLOAD1" {
				t.Errorf("complete %s %s", p.Method, p.URL)
			}
			cb, err := callback.DecodeParams(q.Get("callback"))
			if err != nil {
				t.Fatal(err)
			}
			bound, err := callback.BindURLUntil(testBindingSecret, "https://app.example.com/cb?kind=video&ossdirect-size=10485765",
				time.Unix(1702781677, 0).Add(defaultExpires+defaultCallbackMargin))
			if err != nil {
				t.Fatal(err)
			}
			if cb.URL != bound {
				t.Errorf("callback URL %s, want %s", cb.URL, bound)
			}
		})
	}
}

func TestPresignAbortAndListParts(t *testing.T) {
	s := multipartSigner(V4)
	ctx := context.Background()
	abort, err := s.PresignAbort(ctx, testMultipart, "U1")
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.PresignListParts(ctx, testMultipart, "U1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p      *Presigned
		method string
	}{{abort, "DELETE"}, {list, "GET"}} {
		t.Run(c.method, func(t *testing.T) {
			u, _ := url.Parse(c.p.URL)
			if c.p.Method != c.method || u.Path != "/users/42/video.mp4" || u.Query().Get("uploadId") != "U1" || c.p.Header != nil {
				t.Errorf("%s %s %v", c.p.Method, c.p.URL, c.p.Header)
			}
		})
	}
}

func TestMultipartRefuses(t *testing.T) {
	ctx := context.Background()
	noSecret := multipartSigner(V4)
	noSecret.CallbackSecret = nil
	tests := []struct {
		name string
		s    *Signer
		m    Multipart
		want error
	}{
		{"non-OSS header", multipartSigner(V4), Multipart{Key: "k", Size: 1, Header: http.Header{"Cache-Control": {"no-cache"}}}, ErrInvalidUpload},
		{"vars without callback", multipartSigner(V4), Multipart{Key: "k", Size: 1, CallbackVars: map[string]string{"x:a": "1"}}, ErrInvalidUpload},
		{"callback without secret", noSecret, testMultipart, ErrInvalidSigner},
		{"no key", multipartSigner(V4), Multipart{Size: 1}, ErrInvalidUpload},
		{"no size", multipartSigner(V4), Multipart{Key: "k"}, ErrInvalidUpload},
		{"incomplete signer", &Signer{}, testMultipart, ErrInvalidSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.s.PresignInitiate(ctx, tt.m); !errors.Is(err, tt.want) {
				t.Errorf("PresignInitiate error %v, want %v", err, tt.want)
			}
			if _, err := tt.s.PresignComplete(ctx, tt.m, "U"); !errors.Is(err, tt.want) {
				t.Errorf("PresignComplete error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckSize(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
		size  int64
		ok    bool
	}{
		{"planned size", url.Values{SizeParam: {"10485765"}}, 10485765, true},
		{"smaller (parts left out of Complete)", url.Values{SizeParam: {"10485765"}}, 10485760, false},
		{"larger (V1 parts of any length)", url.Values{SizeParam: {"10485765"}}, 1 << 30, false},
		{"no size in the body", url.Values{SizeParam: {"10485765"}}, 0, false},
		{"no planned size", url.Values{"kind": {"video"}}, 10485765, false},
		{"no query", nil, 10485765, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSize(&callback.Event{Object: "k", Size: tt.size, Query: tt.query})
			if tt.ok != (err == nil) || err != nil && !errors.Is(err, ErrSizeMismatch) {
				t.Fatalf("CheckSize = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestWithQueryParam(t *testing.T) {
	tests := map[string]string{
		"https://a/cb":           "https://a/cb?s=1",
		"https://a/cb?x=1":       "https://a/cb?x=1&s=1",
		"https://a/cb?":          "https://a/cb?s=1",
		"https://a/cb?x=1&":      "https://a/cb?x=1&s=1",
		"https://a/cb#frag":      "https://a/cb?s=1#frag",
		"a.example.com:8080/cb":  "a.example.com:8080/cb?s=1",
		"https://a/cb?x=1#f?g=2": "https://a/cb?x=1&s=1#f?g=2",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := withQueryParam(in, "s", "1"); got != want {
				t.Errorf("withQueryParam(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
