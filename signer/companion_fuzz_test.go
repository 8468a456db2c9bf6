package signer

import (
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// FuzzOpenPlan checks that a CompanionHandler upload handle opens only as
// sealed, for its user and key: any other string is refused with
// ErrInvalidTicket, never a panic, and a sealed plan round-trips.
func FuzzOpenPlan(f *testing.F) {
	secret := callback.Secret{ID: "f1", Key: []byte("companion-fuzz-secret-0123456789")}
	secrets := callback.Secrets{secret}
	sealed, err := sealPlan(secret, &companionPlan{User: "ann", Expires: 2e9, Key: "users/ann/a.png", UploadID: "0004B999", MaxSize: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, "ann", "users/ann/a.png")
	f.Add(sealed, "bob", "users/ann/a.png")
	f.Add("e30.AAAA", "", "")
	f.Add("..", "ann", "k")
	f.Fuzz(func(t *testing.T, handle, user, key string) {
		now := time.Unix(1e9, 0)
		p, err := openPlan(secrets, handle, user, key, now)
		if err != nil {
			if p != nil {
				t.Fatal("plan and error")
			}
			return
		}
		if p.User != user || p.Key != key || now.Unix() > p.Expires {
			t.Fatalf("opened %+v for user %q key %q", p, user, key)
		}
		again, err := sealPlan(secret, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := openPlan(secrets, again, user, key, now); err != nil {
			t.Fatalf("resealed plan refused: %v", err)
		}
	})
}

// FuzzParseListParts checks the ListParts parser: it accepts only ascending
// part numbers in 1..maxParts above the marker, with sizes not negative.
func FuzzParseListParts(f *testing.F) {
	f.Add(`<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>`+
		`<Part><PartNumber>1</PartNumber><ETag>"A"</ETag><Size>5</Size></Part>`+
		`<Part><PartNumber>2</PartNumber><ETag>"B"</ETag><Size>6</Size></Part></ListPartsResult>`, 0)
	f.Add(`<ListPartsResult><Part><PartNumber>2</PartNumber></Part><Part><PartNumber>1</PartNumber></Part></ListPartsResult>`, 0)
	f.Add(`<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>`, 5)
	f.Add(`<Error><Code>NoSuchUpload</Code></Error>`, 0)
	f.Fuzz(func(t *testing.T, body string, marker int) {
		page, err := parseListParts([]byte(body), marker)
		if err != nil {
			return
		}
		last := marker
		for _, p := range page.Parts {
			if p.PartNumber <= last || p.PartNumber > maxParts || p.Size < 0 {
				t.Fatalf("accepted part %+v after %d", p, last)
			}
			last = p.PartNumber
		}
		if page.IsTruncated && page.NextPartNumberMarker <= marker {
			t.Fatalf("accepted a truncated page that does not advance: %+v", page)
		}
	})
}

// FuzzParseCompanionRoute checks the router: it never panics, and a part
// number it passes on is in 1..maxParts or marked bad (-1).
func FuzzParseCompanionRoute(f *testing.F) {
	for _, p := range []string{"/uppy/s3/params", "/s3/multipart", "/a/s3/multipart/ID", "/s3/multipart/ID/7",
		"/s3/multipart/ID/batch", "/s3/multipart/ID/complete", "/s3/s3/multipart/x/0", "//", "/s3/multipart/ID/-1"} {
		f.Add("GET", p)
	}
	f.Add("DELETE", "/s3/multipart/ID")
	f.Fuzz(func(t *testing.T, method, path string) {
		rt, ok := parseCompanionRoute(method, path)
		if !ok {
			return
		}
		if rt.name == "sign" && rt.part != -1 && (rt.part < 1 || rt.part > maxParts) {
			t.Fatalf("part %d passed on", rt.part)
		}
		if strings.Contains(rt.id, "/") {
			t.Fatalf("id %q has a slash", rt.id)
		}
	})
}

// FuzzParseOSSError checks that any answer becomes an error with a code.
func FuzzParseOSSError(f *testing.F) {
	f.Add(404, `<?xml version="1.0"?><Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>`)
	f.Add(203, `<Error><Code>CallbackFailed</Code><Message>Error status : 500.</Message></Error>`)
	f.Add(502, "<html>")
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := parseOSSError(status, []byte(body))
		if e.code == "" || e.status != status {
			t.Fatalf("%d %q parsed as %+v", status, body, e)
		}
		_ = e.Error()
	})
}
