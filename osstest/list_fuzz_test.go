package osstest

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzListQuery: any query is either refused with a 400 (checkListLimits,
// parseListQuery) or parsed into a
// request whose page, from a small bucket, holds at most max-keys (1 to
// 1000) entries, each under the prefix, in order and after any marker,
// start-after or token, common prefixes ending in the delimiter; a
// truncated page continues after its last entry. Seeds are in
// testdata/fuzz/FuzzListQuery.
func FuzzListQuery(f *testing.F) {
	s := &store{objects: map[string]*entry{}}
	for _, k := range []string{"a", "a/1", "a/2", "a/b/c", "b", "b/", "b//", "c d", "\xff", "\xff\xff/x", "z/y/x"} {
		s.objects[k] = &entry{obj: Object{Key: k}}
		s.index.insert(k)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, v2 := range []bool{false, true} {
			oe := checkListLimits(q, v2)
			var req listRequest
			if oe == nil {
				req, oe = parseListQuery(q, v2)
			}
			if oe != nil {
				if oe.status != 400 {
					t.Fatalf("%q: status %d", raw, oe.status)
				}
				continue
			}
			if req.maxKeys < 1 || req.maxKeys > maxMaxKeys {
				t.Fatalf("%q: max-keys %d", raw, req.maxKeys)
			}
			checkPage(t, raw, req, s.page(req))
		}
	})
}

func checkPage(t *testing.T, raw string, req listRequest, pg listPage) {
	if n := len(pg.objects) + len(pg.prefixes); n > req.maxKeys || (pg.truncated && n != req.maxKeys) {
		t.Fatalf("%q: %d entries, max-keys %d, truncated %v", raw, n, req.maxKeys, pg.truncated)
	}
	prev := ""
	for _, o := range pg.objects {
		if !strings.HasPrefix(o.Key, req.prefix) || o.Key < req.start || o.Key <= prev {
			t.Fatalf("%q: key %q (prefix %q, start %q, previous %q)", raw, o.Key, req.prefix, req.start, prev)
		}
		if req.delimiter != "" && strings.Contains(o.Key[len(req.prefix):], req.delimiter) {
			t.Fatalf("%q: key %q not rolled up by %q", raw, o.Key, req.delimiter)
		}
		prev = o.Key
	}
	for _, p := range pg.prefixes {
		if !strings.HasPrefix(p, req.prefix) || !strings.HasSuffix(p, req.delimiter) || req.delimiter == "" {
			t.Fatalf("%q: common prefix %q", raw, p)
		}
	}
	if pg.truncated && pg.next <= pg.last {
		t.Fatalf("%q: next page at %q, not after %q", raw, pg.next, pg.last)
	}
}
