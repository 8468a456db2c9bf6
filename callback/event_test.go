package callback_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/testkeys"
)

func TestTemplates(t *testing.T) {
	if got, want := callback.FormBody("bucket", "object", "x:uid"), "bucket=${bucket}&object=${object}&x:uid=${x:uid}"; got != want {
		t.Errorf("FormBody = %s, want %s", got, want)
	}
	if got, want := callback.JSONBody("bucket", "size", "x:uid"), `{"bucket":${bucket},"size":${size},"x:uid":${x:uid}}`; got != want {
		t.Errorf("JSONBody = %s, want %s", got, want)
	}
	if got := callback.JSONBody(); got != "{}" {
		t.Errorf("JSONBody() = %s", got)
	}
}

// TestRenderDocumentedExample reproduces the form body documented in
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback.
func TestRenderDocumentedExample(t *testing.T) {
	p := callback.Params{Body: "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}&imageInfo.format=${imageInfo.format}&x:var1=${x:var1}"}
	got, err := callbackwire.Render(callbackwire.Params(p), map[string]string{
		"bucket": "callback-test", "object": "test.txt", "etag": "D8E8FCA2DC0F896FD7CB4CB0031BA249",
		"size": "5", "mimeType": "text/plain", "x:var1": "for-callback-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "bucket=callback-test&object=test.txt&etag=D8E8FCA2DC0F896FD7CB4CB0031BA249&size=5&mimeType=text%2Fplain&imageInfo.height=&imageInfo.width=&imageInfo.format=&x:var1=for-callback-test"
	if string(got) != want {
		t.Errorf("Render:\n got %s\nwant %s", got, want)
	}
}

func TestRenderJSON(t *testing.T) {
	p := callback.Params{BodyType: callback.BodyTypeJSON, Body: `{"bucket":${bucket},"object":${object},"size":${size},"mimeType":${mimeType},"h":${imageInfo.height},"w":${imageInfo.width},"crc64":${crc64},"vpcId":${vpcId},"uid":${x:uid},"missing":${x:missing},"odd":${size2}}`}
	got, err := callbackwire.Render(callbackwire.Params(p), map[string]string{
		"bucket": "bucket-name", "object": `dir/a "quoted" \ <b>&.jpg`, "size": "114020", "mimeType": "image/jpeg",
		"imageInfo.height": "539", "imageInfo.width": "", "crc64": "18446744073709551615", "x:uid": "42",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bucket":"bucket-name","object":"dir/a \"quoted\" \\ <b>&.jpg","size":114020,"mimeType":"image/jpeg","h":539,"w":null,"crc64":18446744073709551615,"vpcId":null,"uid":"42","missing":"","odd":""}`
	if string(got) != want {
		t.Errorf("Render:\n got %s\nwant %s", got, want)
	}
	// A numeric variable with a non-numeric value stays valid JSON.
	got, err = callbackwire.Render(callbackwire.Params{BodyType: callback.BodyTypeJSON, Body: `{"s":${size},"v":${vpcId}}`}, map[string]string{"size": "012", "vpcId": "vpc-1"})
	if err != nil || string(got) != `{"s":"012","v":"vpc-1"}` {
		t.Errorf("Render = %s, %v", got, err)
	}
}

func TestRenderErrors(t *testing.T) {
	for _, p := range []callback.Params{
		{Body: "a=${bucket"},
		{Body: "a=${}"},
		{Body: "a=${x${y}}"},
		{Body: "a=${bucket}", BodyType: "text/plain"},
	} {
		if _, err := callbackwire.Render(callbackwire.Params(p), nil); !errors.Is(err, callback.ErrInvalidParams) {
			t.Errorf("Render(%+v): err = %v, want ErrInvalidParams", p, err)
		}
	}
	got, err := callbackwire.Render(callbackwire.Params{Body: "$ {a} } $$ {"}, nil)
	if err != nil || string(got) != "$ {a} } $$ {" {
		t.Errorf("lone $ { }: %q, %v", got, err)
	}
}

// TestRenderParseRoundTrip: a body rendered from FormBody/JSONBody parses
// back into the values put in, for awkward values too.
func TestRenderParseRoundTrip(t *testing.T) {
	values := map[string]string{
		"bucket": "examplebucket", "object": "用户/照片 1+1=2 & \"引号\" 'q' %41 \\ \n.jpg", "etag": "D8E8FCA2DC0F896FD7CB4CB0031BA249",
		"size": "9007199254740993", "mimeType": "image/jpeg", "imageInfo.height": "539", "imageInfo.width": "810",
		"imageInfo.format": "JPG", "crc64": "18446744073709551615", "contentMd5": "1B2M2Y8AsgTpgAmY7PhCfg==",
		"vpcId": "", "clientIp": "203.0.113.9", "reqId": "66399AA5A3C1A13334673EC2", "operation": "PostObject",
		"x:uid": "42", "x:note": "a=b&c=d; e+f",
	}
	want := &callback.Event{
		Bucket: "examplebucket", Object: values["object"], ETag: "D8E8FCA2DC0F896FD7CB4CB0031BA249",
		Size: 9007199254740993, MimeType: "image/jpeg", ImageHeight: 539, ImageWidth: 810, ImageFormat: "JPG",
		CRC64: 18446744073709551615, ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==", ClientIP: "203.0.113.9",
		ReqID: "66399AA5A3C1A13334673EC2", Operation: "PostObject",
		Vars: map[string]string{"x:uid": "42", "x:note": "a=b&c=d; e+f"},
		Raw:  values,
		// ParseEvent sees only the body: the query is empty, not nil.
		Query: url.Values{},
	}
	vars := append(callbackwire.SystemVars(), "x:uid", "x:note")
	for _, p := range []callback.Params{
		{Body: callback.FormBody(vars...)},
		{Body: callback.FormBody(vars...), BodyType: callback.BodyTypeForm},
		{Body: callback.JSONBody(vars...), BodyType: callback.BodyTypeJSON},
	} {
		body, err := callbackwire.Render(callbackwire.Params(p), values)
		if err != nil {
			t.Fatal(err)
		}
		ct := p.BodyType
		got, err := callback.ParseEvent(ct, body)
		if err != nil {
			t.Fatalf("%s: %v\nbody: %s", ct, err, body)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q round trip (-want +got):\n%s\nbody: %s", ct, diff, body)
		}
	}
}

func TestParseEvent(t *testing.T) {
	rc := testkeys.RealCallback()
	got, err := callback.ParseEvent(rc.Headers["Content-Type"], []byte(rc.Body))
	if err != nil {
		t.Fatal(err)
	}
	want := &callback.Event{
		Size: 114020,
		Vars: map[string]string{},
		Raw: map[string]string{
			"name": "2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg", "source_name": "1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg",
			"size": "114020", "pic_info": "810,539",
		},
		Query: url.Values{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("real callback (-want +got):\n%s", diff)
	}

	cases := []struct {
		name, ct, body string
		want           *callback.Event
	}{
		{"form, no Content-Type", "", "bucket=b&object=a%2Fb+c.jpg&size=5&x:uid=1", &callback.Event{Bucket: "b", Object: "a/b c.jpg", Size: 5,
			Vars: map[string]string{"x:uid": "1"}, Raw: map[string]string{"bucket": "b", "object": "a/b c.jpg", "size": "5", "x:uid": "1"}}},
		{"form with charset, empty values, first wins", "application/x-www-form-urlencoded; charset=utf-8", "size=&imageInfo.height=&a=1&a=2&&flag",
			&callback.Event{Vars: map[string]string{}, Raw: map[string]string{"size": "", "imageInfo.height": "", "a": "1", "flag": ""}}},
		{"form with literal semicolon", "", "order=${x:id};v=2&bucket=b", &callback.Event{Bucket: "b", Vars: map[string]string{},
			Raw: map[string]string{"order": "${x:id};v=2", "bucket": "b"}}},
		{"empty form", "", "", &callback.Event{Vars: map[string]string{}, Raw: map[string]string{}}},
		{"JSON nulls, nesting, numbers as strings", "Application/JSON", `{"size":"7","crc64":null,"vpcId":null,"img":{"h": 1, "w":[2,3]},"ok":true,"x:a":"b"}`,
			&callback.Event{Size: 7, Vars: map[string]string{"x:a": "b"},
				Raw: map[string]string{"size": "7", "crc64": "", "vpcId": "", "img": `{"h":1,"w":[2,3]}`, "ok": "true", "x:a": "b"}}},
		{"JSON with surrounding whitespace", "application/json", " \n{\"bucket\":\"b\"}\n ", &callback.Event{Bucket: "b", Vars: map[string]string{}, Raw: map[string]string{"bucket": "b"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := callback.ParseEvent(c.ct, []byte(c.body))
			if err != nil {
				t.Error(err)
				return
			}
			c.want.Query = url.Values{} // ParseEvent sees only the body: empty, not nil
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEventErrors(t *testing.T) {
	cases := []struct{ name, ct, body string }{
		{"text/plain", "text/plain", "a=1"},
		{"multipart", "multipart/form-data; boundary=x", "a=1"},
		{"bad media type", "application/json; =", "{}"},
		{"form bad escape", "", "object=%zz"},
		{"form bad escape in name", "", "%zz=1"},
		{"size not a number", "", "size=abc"},
		{"size negative", "", "size=-1"},
		{"size overflow", "", "size=9223372036854775808"},
		{"crc64 overflow", "", "crc64=18446744073709551616"},
		{"crc64 negative", "", "crc64=-1"},
		{"height not integer", "", "imageInfo.height=1.5"},
		{"width too large", "", "imageInfo.width=99999999999"},
		{"JSON empty", "application/json", ""},
		{"JSON array", "application/json", `[{"bucket":"b"}]`},
		{"JSON string", "application/json", `"bucket"`},
		{"JSON null", "application/json", `null`},
		{"JSON truncated", "application/json", `{"bucket":"b"`},
		{"JSON trailing data", "application/json", `{"bucket":"b"} {}`},
		{"JSON trailing garbage", "application/json", `{"bucket":"b"}x`},
		{"JSON size float", "application/json", `{"size":1.5}`},
		{"JSON size exponent", "application/json", `{"size":1e3}`},
		{"JSON crc64 float", "application/json", `{"crc64":1.8446744073709552e19}`},
		{"JSON size bool", "application/json", `{"size":true}`},
		{"JSON size object", "application/json", `{"size":{}}`},
		{"JSON unquoted placeholder left", "application/json", `{"bucket":${bucket}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := callback.ParseEvent(c.ct, []byte(c.body))
			if !errors.Is(err, callback.ErrMalformedEvent) || ev != nil {
				t.Errorf("%v, %v; want ErrMalformedEvent", ev, err)
			}
		})
	}
}
