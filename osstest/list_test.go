package osstest_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// listAnswer is a ListObjects or ListObjectsV2 answer, read with the
// element names of the OSS Go SDK v2's ListObjectsResult and
// ListObjectsV2Result.
type listAnswer struct {
	XMLName               xml.Name `xml:"ListBucketResult"`
	Name                  string
	Prefix                *string
	Marker                *string
	StartAfter            *string
	MaxKeys               int
	Delimiter             *string
	IsTruncated           bool
	NextMarker            *string
	ContinuationToken     *string
	NextContinuationToken *string
	EncodingType          *string
	KeyCount              *int
	Contents              []struct {
		Key          string
		LastModified string
		ETag         string
		Type         string
		Size         int64
		StorageClass string
		Owner        *struct{ ID, DisplayName string }
	}
	CommonPrefixes []struct{ Prefix string }
}

func (a *listAnswer) keys() []string {
	var out []string
	for _, c := range a.Contents {
		out = append(out, c.Key)
	}
	return out
}

func (a *listAnswer) prefixes() []string {
	var out []string
	for _, c := range a.CommonPrefixes {
		out = append(out, c.Prefix)
	}
	return out
}

// list sends a V4-signed GET /?query to the bucket and returns the status
// and, for a 200, the parsed answer.
func list(t testing.TB, srv *osstest.Server, query string) (result, *listAnswer) {
	t.Helper()
	req := objReq(t, srv, http.MethodGet, "", query, nil, nil, "")
	auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), "")
	r := do(t, nil, req)
	if r.status != 200 {
		return r, nil
	}
	var a listAnswer
	if err := xml.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	return r, &a
}

// fillBucket stores keys directly (not over HTTP) for the large tests.
func fillBucket(t testing.TB, srv *osstest.Server, keys []string) {
	t.Helper()
	if err := osstest.StoreObjects(srv.Emulator, keys, 3); err != nil {
		t.Fatal(err)
	}
}

func numberedKeys(n int, format string) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(format, i)
	}
	return keys
}

// pageAll lists query page by page, V1 (marker) or V2 (continuation
// token), checking each page's shape, and returns every key and common
// prefix in answer order. between runs after each page.
func pageAll(t *testing.T, srv *osstest.Server, v2 bool, query string, maxKeys int, between func(page int)) (keys, prefixes []string, pages int) {
	t.Helper()
	next := ""
	for {
		q := query + fmt.Sprintf("&max-keys=%d", maxKeys)
		if v2 {
			q = "list-type=2&" + q
			if next != "" {
				q += "&continuation-token=" + url.QueryEscape(next)
			}
		} else if next != "" {
			q += "&marker=" + url.QueryEscape(next)
		}
		r, a := list(t, srv, q)
		if a == nil {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		pages++
		n := len(a.Contents) + len(a.CommonPrefixes)
		if n > maxKeys || a.MaxKeys != maxKeys {
			t.Fatalf("page %d: %d entries, MaxKeys %d; want at most %d", pages, n, a.MaxKeys, maxKeys)
		}
		if v2 && (a.KeyCount == nil || *a.KeyCount != n) {
			t.Fatalf("page %d: KeyCount %v, %d entries", pages, a.KeyCount, n)
		}
		keys = append(keys, a.keys()...)
		prefixes = append(prefixes, a.prefixes()...)
		cont := a.NextMarker
		if v2 {
			cont = a.NextContinuationToken
		}
		if !a.IsTruncated {
			if cont != nil {
				t.Fatalf("page %d: not truncated but continues at %q", pages, *cont)
			}
			return keys, prefixes, pages
		}
		if cont == nil || *cont == "" || n != maxKeys {
			t.Fatalf("page %d: truncated with %d of %d entries, continuation %v", pages, n, maxKeys, cont)
		}
		if !v2 {
			// NextMarker is the last key or common prefix answered.
			last := ""
			if len(a.Contents) > 0 {
				last = a.Contents[len(a.Contents)-1].Key
			}
			if lp := a.prefixes(); len(lp) > 0 && lp[len(lp)-1] > last {
				last = lp[len(lp)-1]
			}
			if *cont != last {
				t.Fatalf("page %d: NextMarker %q, last answered %q", pages, *cont, last)
			}
		}
		next = *cont
		if between != nil {
			between(pages)
		}
	}
}

// TestListPaging100k: at 100,000 objects, ListObjects and ListObjectsV2
// answer pages of at most max-keys (capped at 1000), mark every page but
// the last truncated with a continuation, and together list every key
// exactly once, in order.
func TestListPaging100k(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	all := numberedKeys(100000, "obj/%06d")
	fillBucket(t, srv, all)
	for _, c := range []struct {
		name    string
		v2      bool
		maxKeys int
		prefix  string
		want    []string
	}{
		{"v1 1000", false, 1000, "", all},
		{"v2 1000", true, 1000, "", all},
		{"v2 999 prefix", true, 999, "obj/01", all[10000:20000]},
		{"v1 777 prefix", false, 777, "obj/09", all[90000:]},
	} {
		t.Run(c.name, func(t *testing.T) {
			keys, _, pages := pageAll(t, srv, c.v2, "prefix="+c.prefix, c.maxKeys, nil)
			if !slices.Equal(keys, c.want) {
				t.Fatalf("listed %d keys, want %d (first difference at %d)", len(keys), len(c.want), firstDiff(keys, c.want))
			}
			if want := (len(c.want) + c.maxKeys - 1) / c.maxKeys; pages != want {
				t.Errorf("%d pages, want %d", pages, want)
			}
		})
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestListMaxKeys: max-keys defaults to 100 as OSS documents and is
// echoed; a value that is not an integer from 1 to 1000 is InvalidArgument
// (TestListLimits checks the EC).
func TestListMaxKeys(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	fillBucket(t, srv, numberedKeys(2500, "k%04d"))
	for _, c := range []struct {
		query   string
		maxKeys int
	}{
		{"", 100},
		{"list-type=2", 100},
		{"max-keys=1", 1},
	} {
		_, a := list(t, srv, c.query)
		if a == nil || a.MaxKeys != c.maxKeys || len(a.Contents) != c.maxKeys || !a.IsTruncated {
			t.Errorf("%q: %+v", c.query, a)
		}
	}
	for _, q := range []string{"max-keys=5000", "list-type=2&max-keys=1001", "max-keys=0", "max-keys=-1", "max-keys=x", "list-type=2&max-keys=1e3", "encoding-type=base64",
		"list-type=2&fetch-owner=yes", "list-type=2&continuation-token=%25%25", "list-type=2&continuation-token="} {
		r, _ := list(t, srv, q)
		if r.status != 400 || r.ossError(t).Code != "InvalidArgument" {
			t.Errorf("%q: %d %s", q, r.status, r.body)
		}
	}
}

// TestListConcurrentChanges: objects added and deleted between the pages
// of a 100,000-object listing never make a key appear twice; every key
// present throughout is listed once; keys stay in order.
func TestListConcurrentChanges(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	all := numberedKeys(100000, "obj/%06d")
	fillBucket(t, srv, all)
	deleted := map[string]bool{}
	for _, v2 := range []bool{false, true} {
		t.Run(fmt.Sprint("v2=", v2), func(t *testing.T) {
			keys, _, _ := pageAll(t, srv, v2, "prefix=obj/", 1000, func(page int) {
				// Around the cursor (about page*1000): add keys before
				// and after it, delete some ahead and some behind.
				at := page * 1000
				fillBucket(t, srv, []string{
					fmt.Sprintf("obj/%06d-%s-before", at-10, fmt.Sprint(v2)),
					fmt.Sprintf("obj/%06d-%s-after", min(at+10, 99999), fmt.Sprint(v2)),
				})
				for _, i := range []int{at - 500, min(at+500, 99999)} {
					k := fmt.Sprintf("obj/%06d", i)
					osstest.RemoveObject(srv.Emulator, k)
					deleted[k] = true
				}
			})
			seen := map[string]bool{}
			for i, k := range keys {
				if seen[k] {
					t.Fatalf("%s listed twice", k)
				}
				seen[k] = true
				if i > 0 && keys[i-1] >= k {
					t.Fatalf("out of order: %s then %s", keys[i-1], k)
				}
			}
			for _, k := range all {
				if !deleted[k] && !seen[k] {
					t.Fatalf("%s, stored throughout, not listed", k)
				}
			}
		})
	}
}

// TestListDelimiter10k: over 10,000 keys in 100 "directories" (and some
// top-level keys), a delimiter rolls each directory into one common
// prefix, counted like a key against max-keys; paging by prefix within a
// directory and across common prefixes misses and repeats nothing, for
// V1 and V2.
func TestListDelimiter10k(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	var all, dirs []string
	for d := range 100 {
		dirs = append(dirs, fmt.Sprintf("user/%03d/", d))
		for f := range 99 {
			all = append(all, fmt.Sprintf("user/%03d/f%02d", d, f))
		}
		all = append(all, fmt.Sprintf("user/%03d/sub/deep", d))
	}
	top := numberedKeys(50, "user/top%02d")
	fillBucket(t, srv, append(append([]string(nil), all...), top...))
	for _, v2 := range []bool{false, true} {
		t.Run(fmt.Sprint("v2=", v2), func(t *testing.T) {
			keys, prefixes, pages := pageAll(t, srv, v2, "prefix=user/&delimiter=/", 7, nil)
			if !slices.Equal(prefixes, dirs) {
				t.Errorf("common prefixes %v, want %v", prefixes, dirs)
			}
			if !slices.Equal(keys, top) {
				t.Errorf("keys %v, want %v", keys, top)
			}
			if want := (len(dirs) + len(top) + 6) / 7; pages != want {
				t.Errorf("%d pages, want %d", pages, want)
			}
			keys, prefixes, _ = pageAll(t, srv, v2, "prefix=user/042/&delimiter=/", 10, nil)
			if want := all[42*100 : 42*100+99]; !slices.Equal(keys, want) || !slices.Equal(prefixes, []string{"user/042/sub/"}) {
				t.Errorf("in user/042/: %d keys %v", len(keys), prefixes)
			}
			keys, _, _ = pageAll(t, srv, v2, "prefix=user/0", 1000, nil)
			if !slices.Equal(keys, all) {
				t.Errorf("without delimiter: %d keys, want %d", len(keys), len(all))
			}
		})
	}
}

// TestListAnswer: the elements OSS answers, with its formats: LastModified
// in ISO 8601 with milliseconds, Owner always in V1 and with fetch-owner
// in V2, StartAfter and ContinuationToken echoed, encoding-type=url applied
// to keys, prefixes and markers, the token opaque (not the key) and
// stable (the same position gives the same token).
func TestListAnswer(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	fillBucket(t, srv, []string{"a b/1", "a b/2", "a b/3", "c", "d"})
	iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

	_, v1 := list(t, srv, "prefix=a%20b/&max-keys=2&encoding-type=url")
	if v1 == nil || len(v1.Contents) != 2 || v1.Contents[0].Owner == nil || v1.Contents[0].Owner.ID == "" ||
		v1.Contents[0].Key != "a%20b%2F1" || *v1.Prefix != "a%20b%2F" || *v1.EncodingType != "url" ||
		v1.NextMarker == nil || *v1.NextMarker != "a%20b%2F2" || !iso.MatchString(v1.Contents[0].LastModified) ||
		v1.Contents[0].Type != "Normal" || v1.Contents[0].Size != 3 || v1.Contents[0].StorageClass != "Standard" {
		t.Errorf("v1: %+v", v1)
	}

	_, v2 := list(t, srv, "list-type=2&max-keys=2&start-after=a%20b/1")
	if v2 == nil || v2.Contents[0].Owner != nil || !slices.Equal(v2.keys(), []string{"a b/2", "a b/3"}) ||
		v2.StartAfter == nil || *v2.StartAfter != "a b/1" || v2.NextContinuationToken == nil {
		t.Fatalf("v2: %+v", v2)
	}
	tok := *v2.NextContinuationToken
	if strings.Contains(tok, "a b") || strings.Contains(tok, "3") {
		t.Errorf("token %q shows the key", tok)
	}
	if _, again := list(t, srv, "list-type=2&max-keys=2&start-after=a%20b/1"); again == nil || *again.NextContinuationToken != tok {
		t.Errorf("same page, token %v then %q", again.NextContinuationToken, tok)
	}
	_, v2b := list(t, srv, "list-type=2&max-keys=2&fetch-owner=true&continuation-token="+url.QueryEscape(tok))
	if v2b == nil || !slices.Equal(v2b.keys(), []string{"c", "d"}) || v2b.IsTruncated || v2b.Contents[0].Owner == nil ||
		v2b.ContinuationToken == nil || *v2b.ContinuationToken != tok {
		t.Errorf("v2 second page: %+v", v2b)
	}

	_, del := list(t, srv, "list-type=2&delimiter=/&max-keys=1")
	if del == nil || !slices.Equal(del.prefixes(), []string{"a b/"}) || len(del.Contents) != 0 || *del.KeyCount != 1 || !del.IsTruncated {
		t.Errorf("delimiter: %+v", del)
	}
}
