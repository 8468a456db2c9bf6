package osstest_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestListV2Tokens10k: ListObjectsV2 over 10,000 keys, page by page with
// continuation tokens, with and without a delimiter. Each page has at most
// max-keys entries (keys and common prefixes together); together the pages
// list every key, or every common prefix, exactly once; each token is
// opaque (no key of the bucket appears in it, nor the prefix) and stable:
// asking for the same page twice with the same token gives the same page,
// token included, also after the listing has moved on
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectsv2).
func TestListV2Tokens10k(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	var all, dirs []string
	for d := range 100 {
		dirs = append(dirs, fmt.Sprintf("user/%02d/", d))
		for f := range 100 {
			all = append(all, fmt.Sprintf("user/%02d/file-%03d", d, f))
		}
	}
	fillBucket(t, srv, all)

	for _, tc := range []struct {
		name         string
		query        string
		maxKeys      int
		wantKeys     []string
		wantPrefixes []string
	}{
		{"no delimiter", "prefix=user/", 700, all, nil},
		{"delimiter", "prefix=user/&delimiter=/", 7, nil, dirs},
		{"delimiter within a directory", "prefix=user/42/&delimiter=/", 30, all[4200:4300], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type page struct {
				token string // the token that asks for it; "" for the first
				a     *listAnswer
			}
			var pages []page
			var keys, prefixes []string
			token := ""
			for {
				q := fmt.Sprintf("list-type=2&%s&max-keys=%d", tc.query, tc.maxKeys)
				if token != "" {
					q += "&continuation-token=" + url.QueryEscape(token)
				}
				r, a := list(t, srv, q)
				if a == nil {
					t.Fatalf("page %d: %d %s", len(pages)+1, r.status, r.body)
				}
				pages = append(pages, page{token, a})
				if n := len(a.Contents) + len(a.CommonPrefixes); n > tc.maxKeys || (a.IsTruncated && n != tc.maxKeys) {
					t.Fatalf("page %d: %d entries of max-keys %d, truncated %v", len(pages), n, tc.maxKeys, a.IsTruncated)
				}
				keys = append(keys, a.keys()...)
				prefixes = append(prefixes, a.prefixes()...)
				if !a.IsTruncated {
					break
				}
				if a.NextContinuationToken == nil || *a.NextContinuationToken == "" {
					t.Fatalf("page %d: truncated without a token", len(pages))
				}
				token = *a.NextContinuationToken
				for _, s := range append(append(a.keys(), a.prefixes()...), "user/") {
					if strings.Contains(token, s) {
						t.Fatalf("page %d: token %q shows %q", len(pages), token, s)
					}
				}
				if len(pages) > 10000 {
					t.Fatal("the listing does not end")
				}
			}
			if !slices.Equal(keys, tc.wantKeys) || !slices.Equal(prefixes, tc.wantPrefixes) {
				t.Fatalf("listed %d keys and %d prefixes, want %d and %d (first differences at %d, %d)",
					len(keys), len(prefixes), len(tc.wantKeys), len(tc.wantPrefixes), firstDiff(keys, tc.wantKeys), firstDiff(prefixes, tc.wantPrefixes))
			}
			if want := (len(tc.wantKeys) + len(tc.wantPrefixes) + tc.maxKeys - 1) / tc.maxKeys; len(pages) != want {
				t.Errorf("%d pages, want %d", len(pages), want)
			}
			// No token names a key of the bucket: checked against every
			// key, not only those of its own page.
			for i, p := range pages {
				for _, k := range all {
					if p.token != "" && strings.Contains(p.token, k) {
						t.Fatalf("page %d: token %q shows %q", i+1, p.token, k)
					}
				}
			}
			// Each page again, with the same token, after the whole listing.
			for i, p := range pages {
				q := fmt.Sprintf("list-type=2&%s&max-keys=%d", tc.query, tc.maxKeys)
				if p.token != "" {
					q += "&continuation-token=" + url.QueryEscape(p.token)
				}
				_, again := list(t, srv, q)
				if diff := cmp.Diff(p.a, again); diff != "" {
					t.Fatalf("page %d asked again (-first +again):\n%s", i+1, diff)
				}
			}
		})
	}
}
