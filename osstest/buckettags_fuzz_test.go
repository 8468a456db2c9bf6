package osstest

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBucketTagging: any PutBucketTags body is a tag set within OSS's
// bucket tag rules, or refused with MalformedXML or InvalidTag
// (EC 0010-00000219); never a panic.
func FuzzBucketTagging(f *testing.F) {
	for _, s := range []string{
		"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>",
		"<Tagging><TagSet><Tag><Key>Aliyun-x</Key><Value></Value></Tag></TagSet></Tagging>",
		"<Tagging><TagSet><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></TagSet></Tagging>",
		"<Tagging><TagSet>", "", "<Tagging/>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tags, oe := parseBucketTagging(body)
		if oe != nil {
			if oe.status != 400 || (oe.code != "MalformedXML" && (oe.code != "InvalidTag" || oe.ec != "0010-00000219")) {
				t.Fatalf("%q: %v", body, oe)
			}
			return
		}
		if len(tags) > maxBucketTags {
			t.Fatalf("%q: %d tags", body, len(tags))
		}
		for k, v := range tags {
			lower := strings.ToLower(k)
			if k == "" || len(k) > maxBucketTagKeyLen || len(v) > maxBucketTagValueLen || !utf8.ValidString(k) ||
				strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "aliyun") {
				t.Fatalf("%q: tag %q=%q accepted", body, k, v)
			}
		}
	})
}

// FuzzBucketTagFilter: any ListBuckets query gives a tag filter or a 400
// InvalidArgument; a filter from tagging names at least one pair.
func FuzzBucketTagFilter(f *testing.F) {
	for _, s := range []string{
		`tagging="k":"v"`, `tagging={"k":"v","x":"y"}`, "tag-key=k&tag-value=v", "tag-value=v",
		"tagging=k", "tagging=", `tag-key=k&tagging="k":"v"`, "tagging=%22k%22:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, oe := parseBucketTagFilter(q)
		if oe != nil {
			if oe.status != 400 || oe.code != "InvalidArgument" {
				t.Fatalf("%q: %v", raw, oe)
			}
			return
		}
		if q.Has("tagging") && len(flt.all) == 0 {
			t.Fatalf("%q: tagging gave no pairs", raw)
		}
		if !flt.matches(flt.all) && !flt.keyOnly {
			t.Fatalf("%q: the filter's own pairs do not match it", raw)
		}
	})
}
