package policy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

var timeFixture = time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC)

// marshalString is the reference: encoding/json's escaping of s, with or
// without HTML escaping.
func marshalString(t testing.TB, s string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatalf("json encode %q: %v", s, err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct {
		in, html, noHTML string
	}{
		{"", `""`, `""`},
		{"plain/key-1_2.txt", `"plain/key-1_2.txt"`, `"plain/key-1_2.txt"`},
		{`"\`, `"\"\\"`, `"\"\\"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`, `"\b\f\n\r\t"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f\"", `"\u0000\u0001\u001f` + "\x7f\""},
		{"<a&b>", `"\u003ca\u0026b\u003e"`, `"<a&b>"`},
		{"\u2028\u2029", `"\u2028\u2029"`, `"\u2028\u2029"`},
		{"é中\U0001F600", "\"é中\U0001F600\"", "\"é中\U0001F600\""},
		{"a\xffb\xc3", `"a\ufffdb\ufffd"`, `"a\ufffdb\ufffd"`},
		{"$key", `"$key"`, `"$key"`},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			if got := string(appendJSONString(nil, tt.in, true)); got != tt.html {
				t.Errorf("appendJSONString(%q, html) = %s, want %s", tt.in, got, tt.html)
			}
			if got := string(appendJSONString(nil, tt.in, false)); got != tt.noHTML {
				t.Errorf("appendJSONString(%q, no html) = %s, want %s", tt.in, got, tt.noHTML)
			}
			// The table itself agrees with encoding/json.
			if want := marshalString(t, tt.in, true); want != tt.html {
				t.Errorf("table row %q disagrees with encoding/json: %s", tt.in, want)
			}
		})
	}
}

// FuzzAppendJSONString checks the hand-written escaper against
// encoding/json byte for byte: OSS signs the exact bytes
// (docs/PROTOCOL.md#exact-bytes) and
// the project promises encoding/json's escaping.
func FuzzAppendJSONString(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			got := string(appendJSONString(nil, s, html))
			if want := marshalString(t, s, html); got != want {
				t.Fatalf("appendJSONString(%q, %v) = %s, encoding/json = %s", s, html, got, want)
			}
		}
	})
}

// TestMarshalMatchesEncodingJSON builds the same document with
// encoding/json from generic values and compares bytes, so the hand-written
// appender cannot drift from "canonical compact JSON via encoding/json".
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	p := New(timeFixture,
		Bucket("b<&>"),
		Exact("x-oss-date", "20241203T121212Z"),
		Eq("x-oss-meta-\u2028", "\"\\\n"),
		StartsWith("key", "user/é/"),
		In("content-type", "a", "b"),
		NotIn("x-oss-object-acl", "public-read"),
		ContentLengthRange(0, 1<<40),
	)
	got, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}
	want, err := json.Marshal(doc{
		Expiration: "2024-12-03T13:00:00.000Z",
		Conditions: []any{
			map[string]string{"bucket": "b<&>"},
			map[string]string{"x-oss-date": "20241203T121212Z"},
			[]any{"eq", "$x-oss-meta-\u2028", "\"\\\n"},
			[]any{"starts-with", "$key", "user/é/"},
			[]any{"in", "$content-type", []string{"a", "b"}},
			[]any{"not-in", "$x-oss-object-acl", []string{"public-read"}},
			[]any{"content-length-range", 0, int64(1 << 40)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalJSON:\n got %s\nwant %s", got, want)
	}
}
