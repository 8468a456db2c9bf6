package osstest_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// bruteList is the reference listing: every key under prefix after mark
// (none under mark when mark is itself one of the listing's common
// prefixes, which a V1 NextMarker can be), rolled up at the first
// delimiter after the prefix, in byte order.
func bruteList(keys []string, prefix, delimiter, mark string) (objects, prefixes []string) {
	isPrefix := func(s string) bool {
		rest, ok := strings.CutPrefix(s, prefix)
		return ok && delimiter != "" && strings.HasSuffix(rest, delimiter) && strings.Index(rest, delimiter) == len(rest)-len(delimiter)
	}
	sorted := slices.Sorted(slices.Values(keys))
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) || (mark != "" && k <= mark) || (isPrefix(mark) && strings.HasPrefix(k, mark)) {
			continue
		}
		if i := strings.Index(k[len(prefix):], delimiter); delimiter != "" && i >= 0 {
			cp := k[:len(prefix)+i+len(delimiter)]
			if len(prefixes) == 0 || prefixes[len(prefixes)-1] != cp {
				prefixes = append(prefixes, cp)
			}
			continue
		}
		objects = append(objects, k)
	}
	return objects, prefixes
}

// TestListBytes: with prefixes, delimiters and start-after values that end
// in 0xff or in part of a multibyte UTF-8 sequence, over keys with 0xff
// bytes (stored directly: OSS keys are UTF-8) and runes up to U+10FFFF,
// ListObjectsV2 and ListObjects answer what bruteList does, in one page
// and paged by continuation token or marker.
func TestListBytes(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	keys := []string{"a", "a/", "a/b", "ab", "a\xff", "a\xff\xff", "a\xff\xffb", "a\xffb",
		"\xff", "\xff\xff", "\xff\xff/x", "\xff\xffa\xff",
		"ÿ", "ÿ/1", "ÿÿ", "中", "中文/x", "中/文", "丁", "\U0010FFFF", "\U0010FFFFz", "\U0010FFFF\U0010FFFF"}
	fillBucket(t, srv, keys)
	prefixes := []string{"", "a", "a/", "a\xff", "\xff", "\xff\xff", "\xc3", "\xe4", "\xe4\xb8", "\xf4\x8f\xbf", "\xf4\x8f\xbf\xbf"}
	delimiters := []string{"", "/", "\xff", "\xff\xff", "\xbf", "\xe4", "\xad", "\xb8\xad", "\xf4\x8f"}
	marks := append([]string{"\xff", "\xff\xff", "\xff\xff\xff", "a\xff", "\xe4", "\xf4"}, keys...)
	esc := func(s string) string { return url.QueryEscape(s) }
	for _, prefix := range prefixes {
		for _, delimiter := range delimiters {
			query := "encoding-type=url&prefix=" + esc(prefix) + "&delimiter=" + esc(delimiter)
			name := fmt.Sprintf("prefix=%q,delimiter=%q", prefix, delimiter)
			wantKeys, wantPrefixes := bruteList(keys, prefix, delimiter, "")
			for _, mark := range append(marks, wantPrefixes...) {
				r, a := list(t, srv, "list-type=2&max-keys=1000&"+query+"&start-after="+esc(mark))
				if a == nil {
					t.Fatalf("%s start-after %q: %d %s", name, mark, r.status, r.body)
				}
				k, p := bruteList(keys, prefix, delimiter, mark)
				if gotK, gotP := unescapeAll(t, a.keys()), unescapeAll(t, a.prefixes()); !slices.Equal(gotK, k) || !slices.Equal(gotP, p) {
					t.Errorf("%s start-after %q: keys %q prefixes %q, want %q %q", name, mark, gotK, gotP, k, p)
				}
			}
			for _, v2 := range []bool{false, true} {
				for _, maxKeys := range []int{1, 2} {
					gotK, gotP, _ := pageAllEncoded(t, srv, v2, query, maxKeys)
					if !slices.Equal(gotK, wantKeys) || !slices.Equal(gotP, wantPrefixes) {
						t.Errorf("%s v2=%v max-keys %d: keys %q prefixes %q, want %q %q", name, v2, maxKeys, gotK, gotP, wantKeys, wantPrefixes)
					}
				}
			}
		}
	}
}

// pageAllEncoded is pageAll for an encoding-type=url query: it unescapes
// what it returns, and the V1 NextMarker before sending it back.
func pageAllEncoded(t *testing.T, srv *osstest.Server, v2 bool, query string, maxKeys int) (keys, prefixes []string, pages int) {
	t.Helper()
	next := ""
	for pages < 100 {
		q := query + fmt.Sprintf("&max-keys=%d", maxKeys)
		if v2 {
			q = "list-type=2&" + q
			if next != "" {
				q += "&continuation-token=" + url.QueryEscape(next)
			}
		} else if next != "" {
			q += "&marker=" + next // NextMarker is already escaped
		}
		r, a := list(t, srv, q)
		if a == nil {
			t.Fatalf("page %d of %s: %d %s", pages, q, r.status, r.body)
		}
		pages++
		keys = append(keys, unescapeAll(t, a.keys())...)
		prefixes = append(prefixes, unescapeAll(t, a.prefixes())...)
		if !a.IsTruncated {
			return keys, prefixes, pages
		}
		cont := a.NextMarker
		if v2 {
			cont = a.NextContinuationToken
		}
		if cont == nil || *cont == "" {
			t.Fatalf("page %d of %s: truncated without a continuation", pages, q)
		}
		next = *cont
	}
	t.Fatalf("%s: more than 100 pages", query)
	return nil, nil, pages
}

func unescapeAll(t *testing.T, in []string) []string {
	t.Helper()
	var out []string
	for _, s := range in {
		u, err := url.QueryUnescape(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		out = append(out, u)
	}
	return out
}
