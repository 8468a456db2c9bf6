package callback

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzFlatJSONObject: the one-pass reader of JSON bodies agrees with
// encoding/json on every body it accepts, and accepts every JSON object.
func FuzzFlatJSONObject(f *testing.F) {
	for _, s := range []string{
		`{"bucket":"b","object":"a%20b.jpg","size":5,"crc64":18446744073709551615,"vpcId":null}`,
		`{"a":"\u00e9\ud83d\ude00","b":"x\"y\\z","c":{"d":[1,"}",{"e":null}]},"a":"last"}`,
		` { "x:uid" : "42" , "t" : true } `,
		`{}`, `[]`, `null`, `{"a":1} {}`, `{"a":"\xff"}`, `{"a":"` + "\t" + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, werr := decodeJSONObject(body)
		got, ok := flatJSONObject(body)
		if !ok {
			if werr == nil {
				t.Fatalf("flatJSONObject refused %q, which encoding/json reads as %v", body, want)
			}
			return
		}
		if werr != nil {
			t.Fatalf("flatJSONObject read %q as %v; encoding/json: %v", body, got, werr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%q (-encoding/json +flat):\n%s", body, diff)
		}
	})
}
