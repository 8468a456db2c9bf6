package callbackwire_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/ossmsg"
)

// FuzzRenderRoundTrip: whatever the values, what Render produces for a
// FormBody or JSONBody template parses back to those values.
func FuzzRenderRoundTrip(f *testing.F) {
	f.Add("用户/照片 1+1=2 & \"q\".jpg", "image/jpeg", uint64(18446744073709551615), int64(5), "a=b&c", "", false)
	f.Add("", "", uint64(0), int64(0), "", "vpc-1", true)
	f.Add("%41\\\n\x00", "\xff", uint64(1)<<53+1, int64(1)<<62, "${x:uid}", "null", true)
	f.Fuzz(func(t *testing.T, object, mime string, crc uint64, size int64, uid, vpc string, isJSON bool) {
		if size < 0 {
			size = -size
			if size < 0 {
				size = 0
			}
		}
		values := map[string]string{
			"object": object, "mimeType": mime, "crc64": strconv.FormatUint(crc, 10),
			"size": strconv.FormatInt(size, 10), "x:uid": uid, "vpcId": vpc,
		}
		p := callback.Params{Body: callback.FormBody("object", "mimeType", "crc64", "size", "x:uid", "vpcId")}
		if isJSON {
			p = callback.Params{Body: callback.JSONBody("object", "mimeType", "crc64", "size", "x:uid", "vpcId"), BodyType: callback.BodyTypeJSON}
		}
		body, err := callbackwire.Render(callbackwire.Params(p), values)
		if err != nil {
			t.Fatal(err)
		}
		if isJSON && !json.Valid(body) {
			t.Fatalf("Render produced invalid JSON: %s", body)
		}
		ev, err := callback.ParseEvent(p.BodyType, body)
		if err != nil {
			t.Fatalf("%v\nbody: %q", err, body)
		}
		want := values
		if isJSON {
			// JSON strings carry UTF-8 only: encoding/json replaces invalid
			// bytes with U+FFFD, as any JSON producer must.
			want = map[string]string{}
			for k, v := range values {
				var s string
				b, _ := json.Marshal(v)
				json.Unmarshal(b, &s)
				want[k] = s
			}
		}
		if diff := cmp.Diff(want, ev.Raw); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s\nbody: %q", diff, body)
		}
		if ev.CRC64 != crc || ev.Size != size {
			t.Fatalf("crc64 %d size %d, want %d %d", ev.CRC64, ev.Size, crc, size)
		}
	})
}

// FuzzDecodeParams: arbitrary callback parameters never panic; errors are
// *ParamsError with a message from docs/PROTOCOL.md#callback-errors; accepted parameters
// survive a re-encode.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{
		`{"callbackUrl":"http://a/cb","callbackBody":"bucket=${bucket}"}`,
		`{"callbackUrl":"https://a/cb;https://b/cb","callbackHost":"h","callbackBody":"{\"o\":${object}}","callbackBodyType":"application/json","callbackSNI":true}`,
		`{"callbackUrl":"h:test","callbackBody":"${"}`,
		`[]`, `null`, `{"callbackSNI":"true"}`,
	} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(s)))
	}
	f.Add("!!")
	msgs := map[string]bool{ossmsg.MsgNotBase64: true, ossmsg.MsgNotJSON: true, ossmsg.MsgURLInvalid: true, ossmsg.MsgTooManyURLs: true,
		ossmsg.MsgHostInvalid: true, ossmsg.MsgBodyEmpty: true, ossmsg.MsgBodyInvalid: true, ossmsg.MsgBodyTypeInvalid: true, ossmsg.MsgSNIInvalid: true}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := callbackwire.Decode(in)
		if err != nil {
			var pe *callbackwire.ParamsError
			if !errors.As(err, &pe) || !msgs[pe.Message] {
				t.Fatalf("error %v is not a ParamsError with an OSS message", err)
			}
			return
		}
		b, err := json.Marshal(map[string]any{"callbackUrl": p.URL, "callbackHost": p.Host, "callbackBody": p.Body, "callbackBodyType": p.BodyType, "callbackSNI": p.SNI})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := callbackwire.Decode(base64.StdEncoding.EncodeToString(b))
		if err != nil {
			t.Fatalf("re-encoded params refused: %v", err)
		}
		if diff := cmp.Diff(p, p2); diff != "" {
			t.Fatalf("re-encode (-first +second):\n%s", diff)
		}
	})
}
