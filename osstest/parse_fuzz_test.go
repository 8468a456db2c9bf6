package osstest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzTaggingHeader: any x-oss-tagging value is accepted as a tag set that
// obeys OSS's limits, or refused with InvalidTag; never a panic.
func FuzzTaggingHeader(f *testing.F) {
	for _, s := range []string{"a=b&c=d", "aa=bb=cc", "k", "k=", "%zz=1", "a=1&a=2", "u%2042=v%3Dw"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tags, oe := parseTaggingHeader(v)
		if oe != nil {
			if oe.status != 400 || oe.code != "InvalidTag" {
				t.Fatalf("%q: %v", v, oe)
			}
			return
		}
		if len(tags) > maxTags {
			t.Fatalf("%q: %d tags", v, len(tags))
		}
		for k, val := range tags {
			if k == "" || !validTagChars(k) || !validTagChars(val) {
				t.Fatalf("%q: tag %q=%q accepted", v, k, val)
			}
		}
	})
}

// FuzzCopySource: any x-oss-copy-source is split into a bucket, a
// non-empty key and a version id (non-empty when ?versionId= is sent), or
// refused with InvalidArgument; never a panic.
func FuzzCopySource(f *testing.F) {
	for _, s := range []string{"/examplebucket/a.txt", "/b/dir/%E4%B8%AD.txt?versionId=1", "/b/", "b/k", "%zz", "/", "/b/k?versionId=", "/b/k?versionId=null"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		b, k, vid, oe := copySource(v)
		if oe != nil {
			if oe.status != 400 {
				t.Fatalf("%q: %v", v, oe)
			}
			return
		}
		if b == "" || k == "" || strings.Contains(b, "/") {
			t.Fatalf("%q: bucket %q key %q", v, b, k)
		}
		if strings.Contains(v, "?versionId=") != (vid != "") {
			t.Fatalf("%q: version id %q", v, vid)
		}
	})
}

// FuzzRequestDates: any Date and x-oss-date pair gives a date line and no
// error only for a time within 15 minutes of the server's clock.
func FuzzRequestDates(f *testing.F) {
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
	f.Add("Tue, 03 Dec 2024 12:30:00 GMT", "")
	f.Add("", "20241203T123000Z")
	f.Add("", "Tue, 03 Dec 2024 12:46:00 GMT")
	f.Add("20241203T123000Z", "")
	f.Fuzz(func(t *testing.T, date, xdate string) {
		h := http.Header{}
		if date != "" {
			h.Set("Date", date)
		}
		if xdate != "" {
			h.Set("X-Oss-Date", xdate)
		}
		line, oe := v1RequestDate(h, now)
		if oe == nil && line != h.Get("Date") && line != h.Get("X-Oss-Date") {
			t.Fatalf("date line %q from Date %q, x-oss-date %q", line, date, xdate)
		}
		if _, oe := v4RequestDate(h); oe != nil && oe.status != 400 && oe.status != 403 {
			t.Fatalf("V4: %v", oe)
		}
	})
}
