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

// TestListBytes: with delimiters and start-after values that are 0xff or
// part of a multibyte UTF-8 sequence, or end in one, over keys with 0xff
// bytes (stored directly: OSS keys are UTF-8) and runes up to U+10FFFF,
// ListObjectsV2 and ListObjects answer what bruteList does, in one page
// and paged by continuation token or marker.
func TestListBytes(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	keys := []string{"a", "a/", "a/b", "ab", "a\xff", "a\xff\xff", "a\xff\xffb", "a\xffb",
		"\xff", "\xff\xff", "\xff\xff/x", "\xff\xffa\xff",
		"ÿ", "ÿ/1", "ÿÿ", "中", "中文/x", "中/文", "丁", "\U0010FFFF", "\U0010FFFFz", "\U0010FFFF\U0010FFFF"}
	fillBucket(t, srv, keys)
	// OSS wants a UTF-8 prefix and a delimiter of one character
	// (listlimits.go); one invalid byte counts as one.
	prefixes := []string{"", "a", "a/", "ÿ", "中", "\U0010FFFF"}
	delimiters := []string{"", "/", "\xff", "\xbf", "\xe4", "\xad", "\x8f", "ÿ", "中", "\U0010FFFF"}
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

// TestListLimits: ListObjects and ListObjectsV2 refuse the parameters OSS
// refuses with 400 InvalidArgument and the EC of its page (listlimits.go),
// and accept the longest and odd values it allows.
func TestListLimits(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	fillBucket(t, srv, []string{"a"})
	long := strings.Repeat("k", 1023)
	esc := url.QueryEscape
	for _, tc := range []struct {
		query string
		ec    string // "" accepted, "-" refused without an EC
	}{
		{"prefix=" + long, ""},
		{"prefix=" + long + "k", "0015-00000403"},
		{"prefix=" + esc("中\xe4"), "0015-00000403"},
		{"list-type=2&prefix=" + long + "k", "0015-00000403"},
		{"marker=" + long, ""},
		{"marker=" + long + "k", "0015-00000405"},
		{"marker=" + esc("\xff\xe4"), ""},
		{"delimiter=" + esc("中"), ""},
		{"delimiter=" + esc("\xff"), ""},
		{"delimiter=abc", "0015-00000406"},
		{"list-type=2&delimiter=" + esc("//"), "0015-00000406"},
		{"max-keys=1000", ""},
		{"max-keys=1001", "0015-00000402"},
		{"list-type=2&max-keys=0", "0015-00000402"},
		{"list-type=2&max-keys=x", "0015-00000402"},
		{"list-type=2&start-after=" + long, ""},
		{"list-type=2&start-after=" + long + "k", "-"},
		{"list-type=2&continuation-token=" + strings.Repeat("a", 1366), ""}, // 1024 bytes decoded
		{"list-type=2&continuation-token=" + strings.Repeat("a", 1368), "0015-00000404"},
		{"list-type=2&continuation-token=%25", "0015-00000404"},
	} {
		r, a := list(t, srv, tc.query)
		name := tc.query[:min(len(tc.query), 60)]
		if tc.ec == "" {
			if a == nil {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
			continue
		}
		if r.status != 400 {
			t.Errorf("%s: %d, want 400", name, r.status)
			continue
		}
		want := tc.ec
		if want == "-" {
			want = ""
		}
		if e := r.ossError(t); e.Code != "InvalidArgument" || e.EC != want {
			t.Errorf("%s: %s EC %q, want InvalidArgument EC %q", name, e.Code, e.EC, want)
		}
	}
}
