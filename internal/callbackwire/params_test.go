package callbackwire_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/ossmsg"
)

func TestParamsEncode(t *testing.T) {
	cases := []struct {
		name string
		p    callback.Params
		json string // written by hand from docs/PROTOCOL.md#callback-parameter
	}{
		{"minimal form",
			callback.Params{URL: "https://app.example.com/cb?a=1&b=2", Body: "bucket=${bucket}&object=${object}"},
			`{"callbackUrl":"https://app.example.com/cb?a=1&b=2","callbackBody":"bucket=${bucket}&object=${object}"}`},
		{"every field",
			callback.Params{URL: "https://a.example.com/cb;https://b.example.com/cb", Host: "cb.example.com", Body: `{"object":${object},"x:uid":${x:uid}}`, BodyType: callback.BodyTypeJSON, SNI: true},
			`{"callbackUrl":"https://a.example.com/cb;https://b.example.com/cb","callbackHost":"cb.example.com","callbackBody":"{\"object\":${object},\"x:uid\":${x:uid}}","callbackBodyType":"application/json","callbackSNI":true}`},
		{"no scheme, port, explicit form type",
			callback.Params{URL: "121.43.113.8:23456/index.html", Body: "a=${x:a}<>", BodyType: callback.BodyTypeForm},
			`{"callbackUrl":"121.43.113.8:23456/index.html","callbackBody":"a=${x:a}<>","callbackBodyType":"application/x-www-form-urlencoded"}`},
		{"percent-encoded UTF-8 URL",
			callback.Params{URL: "https://app.example.com/%E5%9B%9E%E8%B0%83?n=%E4%B8%AD", Body: "object=${object}"},
			`{"callbackUrl":"https://app.example.com/%E5%9B%9E%E8%B0%83?n=%E4%B8%AD","callbackBody":"object=${object}"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, err := c.p.Encode()
			if err != nil {
				t.Error(err)
				return
			}
			raw, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				t.Fatalf("not standard Base64: %v", err)
			}
			if string(raw) != c.json {
				t.Errorf("\n got %s\nwant %s", raw, c.json)
			}
			back, err := callbackwire.Decode(enc)
			if err != nil {
				t.Errorf("DecodeParams: %v", err)
			}
			if diff := cmp.Diff(callbackwire.Params(c.p), back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	ok := callback.Params{URL: "https://app.example.com/cb", Body: callback.FormBody(callbackwire.VarBucket, "x:uid")}
	with := func(f func(p *callback.Params)) callback.Params { p := ok; f(&p); return p }
	cases := []struct {
		name string
		p    callback.Params
		msg  string // OSS message, docs/PROTOCOL.md#callback-errors; "" = valid
	}{
		{"valid", ok, ""},
		{"valid JSON", with(func(p *callback.Params) {
			p.Body = callback.JSONBody(callbackwire.SystemVars()...)
			p.BodyType = callback.BodyTypeJSON
		}), ""},
		{"five URLs", with(func(p *callback.Params) {
			p.URL = strings.Repeat("http://a.example.com/;", 4) + "http://e.example.com/"
		}), ""},
		{"no URL", with(func(p *callback.Params) { p.URL = "" }), ossmsg.MsgURLInvalid},
		{"six URLs", with(func(p *callback.Params) {
			p.URL = strings.Repeat("http://a.example.com/;", 5) + "http://f.example.com/"
		}), ossmsg.MsgTooManyURLs},
		{"empty URL in list", with(func(p *callback.Params) { p.URL = "http://a.example.com/;" }), ossmsg.MsgURLInvalid},
		{"non-numeric port", with(func(p *callback.Params) { p.URL = "http://host:test/cb" }), ossmsg.MsgURLInvalid},
		{"port 0", with(func(p *callback.Params) { p.URL = "http://host:0/cb" }), ossmsg.MsgURLInvalid},
		{"port too large", with(func(p *callback.Params) { p.URL = "http://host:65536/cb" }), ossmsg.MsgURLInvalid},
		{"IPv6 literal", with(func(p *callback.Params) { p.URL = "http://[::1]:8080/cb" }), ossmsg.MsgURLInvalid},
		{"raw space", with(func(p *callback.Params) { p.URL = "http://host/a b" }), ossmsg.MsgURLInvalid},
		{"raw UTF-8", with(func(p *callback.Params) { p.URL = "http://host/回调" }), ossmsg.MsgURLInvalid},
		{"ftp scheme", with(func(p *callback.Params) { p.URL = "ftp://host/cb" }), ossmsg.MsgURLInvalid},
		{"userinfo", with(func(p *callback.Params) { p.URL = "http://u:p@host/cb" }), ossmsg.MsgURLInvalid},
		{"no host", with(func(p *callback.Params) { p.URL = "http:///cb" }), ossmsg.MsgURLInvalid},
		{"bad callbackHost", with(func(p *callback.Params) { p.Host = "a b" }), ossmsg.MsgHostInvalid},
		{"callbackHost with path", with(func(p *callback.Params) { p.Host = "a.example.com/x" }), ossmsg.MsgHostInvalid},
		{"empty body", with(func(p *callback.Params) { p.Body = "" }), ossmsg.MsgBodyEmpty},
		{"unterminated placeholder", with(func(p *callback.Params) { p.Body = "bucket=${bucket" }), ossmsg.MsgBodyInvalid},
		{"empty placeholder", with(func(p *callback.Params) { p.Body = "a=${}" }), ossmsg.MsgBodyInvalid},
		{"unknown system variable", with(func(p *callback.Params) { p.Body = "a=${bukcet}" }), ossmsg.MsgBodyInvalid},
		{"upper-case custom variable", with(func(p *callback.Params) { p.Body = "a=${x:UID}" }), ossmsg.MsgBodyInvalid},
		{"custom variable without x:", with(func(p *callback.Params) { p.Body = "a=${uid}" }), ossmsg.MsgBodyInvalid},
		{"percent-encoded placeholder (pitfall 10)", with(func(p *callback.Params) { p.Body = "object=%24%7Bobject%7D" }), ossmsg.MsgBodyInvalid},
		{"quoted JSON placeholder", with(func(p *callback.Params) {
			p.Body = `{"object":"${object}"}`
			p.BodyType = callback.BodyTypeJSON
		}), ossmsg.MsgBodyInvalid},
		{"JSON type, form template", with(func(p *callback.Params) { p.BodyType = callback.BodyTypeJSON }), ossmsg.MsgBodyInvalid},
		{"bad body type", with(func(p *callback.Params) { p.BodyType = "text/plain" }), ossmsg.MsgBodyTypeInvalid},
		{"invalid UTF-8 in body", with(func(p *callback.Params) { p.Body = "bucket=${bucket}&a=\xff" }), ossmsg.MsgBodyInvalid},
		{"invalid UTF-8 in JSON body", with(func(p *callback.Params) {
			p.Body = "{\"a\":\"\xc3\",\"b\":${bucket}}"
			p.BodyType = callback.BodyTypeJSON
		}), ossmsg.MsgBodyInvalid},
		{"body type with parameters", with(func(p *callback.Params) { p.BodyType = "application/json; charset=utf-8" }), ossmsg.MsgBodyTypeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate()
			if c.msg == "" {
				if err != nil {
					t.Error(err)
				}
				return
			}
			var pe *callbackwire.ParamsError
			if !errors.As(err, &pe) || pe.Message != c.msg || !errors.Is(err, callback.ErrInvalidParams) {
				t.Errorf("err = %v, want message %q", err, c.msg)
			}
			if _, encErr := c.p.Encode(); encErr == nil {
				t.Errorf("Encode accepted what Validate refuses")
			}
		})
	}
}

func TestDecodeParams(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, in string
		want     callback.Params
		msg, ec  string
	}{
		{"S2 example", enc(`{"callbackUrl":"121.43.113.8:23456/index.html","callbackBody":"bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}&imageInfo.format=${imageInfo.format}&my_var=${x:my_var}"}`),
			callback.Params{URL: "121.43.113.8:23456/index.html", Body: "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&imageInfo.height=${imageInfo.height}&imageInfo.width=${imageInfo.width}&imageInfo.format=${imageInfo.format}&my_var=${x:my_var}"}, "", ""},
		{"all fields, SNI false", enc(`{"callbackUrl":"http://a/cb","callbackHost":"h.example.com","callbackBody":"{}","callbackBodyType":"application/json","callbackSNI":false}`),
			callback.Params{URL: "http://a/cb", Host: "h.example.com", Body: "{}", BodyType: callback.BodyTypeJSON}, "", ""},
		{"misspelt field ignored (pitfall 15)", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a=${object}","calbackBodyType":"application/json"}`),
			callback.Params{URL: "http://a/cb", Body: "a=${object}"}, "", ""},
		{"unknown variable allowed", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a=${whatever}"}`),
			callback.Params{URL: "http://a/cb", Body: "a=${whatever}"}, "", ""},
		{"loopback allowed (emulator)", enc(`{"callbackUrl":"http://127.0.0.1:8080/cb","callbackBody":"a"}`),
			callback.Params{URL: "http://127.0.0.1:8080/cb", Body: "a"}, "", ""},
		{"not Base64", "not base64!", callback.Params{}, ossmsg.MsgNotBase64, "0007-00000002"},
		{"empty", "", callback.Params{}, ossmsg.MsgNotBase64, "0007-00000002"},
		{"not JSON", enc(`callbackUrl=http://a`), callback.Params{}, ossmsg.MsgNotJSON, ""},
		{"unescaped quote in body", enc(`{"callbackUrl":"http://a/cb","callbackBody":"{"a":${object}}"}`), callback.Params{}, ossmsg.MsgNotJSON, ""},
		{"JSON array", enc(`[]`), callback.Params{}, ossmsg.MsgNotJSON, ""},
		{"JSON null", enc(`null`), callback.Params{}, ossmsg.MsgNotJSON, ""},
		{"missing URL", enc(`{"callbackBody":"a"}`), callback.Params{}, ossmsg.MsgURLInvalid, "0007-00000004"},
		{"URL not a string", enc(`{"callbackUrl":["http://a/cb"],"callbackBody":"a"}`), callback.Params{}, ossmsg.MsgURLInvalid, "0007-00000004"},
		{"bad port", enc(`{"callbackUrl":"http://host:test/cb","callbackBody":"a"}`), callback.Params{}, ossmsg.MsgURLInvalid, "0007-00000004"},
		{"six URLs", enc(`{"callbackUrl":"a;b;c;d;e;f","callbackBody":"a"}`), callback.Params{}, ossmsg.MsgTooManyURLs, "0007-00000005"},
		{"bad host", enc(`{"callbackUrl":"http://a/cb","callbackHost":"a b","callbackBody":"a"}`), callback.Params{}, ossmsg.MsgHostInvalid, ""},
		{"missing body", enc(`{"callbackUrl":"http://a/cb"}`), callback.Params{}, ossmsg.MsgBodyEmpty, "0007-00000011"},
		{"empty body", enc(`{"callbackUrl":"http://a/cb","callbackBody":""}`), callback.Params{}, ossmsg.MsgBodyEmpty, "0007-00000011"},
		{"unterminated ${", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a=${object"}`), callback.Params{}, ossmsg.MsgBodyInvalid, ""},
		{"body not a string", enc(`{"callbackUrl":"http://a/cb","callbackBody":{"a":1}}`), callback.Params{}, ossmsg.MsgBodyInvalid, ""},
		{"bad body type", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a","callbackBodyType":"text/xml"}`), callback.Params{}, ossmsg.MsgBodyTypeInvalid, ""},
		{"SNI as string (pitfall 14)", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a","callbackSNI":"true"}`), callback.Params{}, ossmsg.MsgSNIInvalid, ""},
		{"SNI as number", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a","callbackSNI":1}`), callback.Params{}, ossmsg.MsgSNIInvalid, ""},
		{"SNI null", enc(`{"callbackUrl":"http://a/cb","callbackBody":"a","callbackSNI":null}`), callback.Params{}, ossmsg.MsgSNIInvalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := callbackwire.Decode(c.in)
			if c.msg == "" {
				if err != nil {
					t.Error(err)
				} else if diff := cmp.Diff(callbackwire.Params(c.want), got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			var pe *callbackwire.ParamsError
			if !errors.As(err, &pe) || pe.Message != c.msg || pe.EC != c.ec || !errors.Is(err, callback.ErrInvalidParams) {
				t.Errorf("err = %#v, want message %q EC %q", err, c.msg, c.ec)
			}
		})
	}
	got, err := callbackwire.Decode(enc(`{"callbackUrl":"https://a/cb","callbackBody":"a","callbackSNI":true}`))
	if err != nil || !got.SNI {
		t.Errorf("callbackSNI true: %+v, %v", got, err)
	}
}

func TestValidateVarName(t *testing.T) {
	for _, name := range []string{"x:uid", "x:order_id", "x:a-b.c", "x:0"} {
		if err := callbackwire.ValidateVarName(name); err != nil {
			t.Errorf("ValidateVarName(%q) = %v", name, err)
		}
	}
	for _, name := range []string{"", "x:", "uid", "X:uid", "x:Uid", "x:UID", "x:u id", "x:u}", "x:${a}", "x:中", "x:a=b", "x:a&b", "y:uid", ":uid"} {
		if err := callbackwire.ValidateVarName(name); !errors.Is(err, callback.ErrInvalidParams) {
			t.Errorf("ValidateVarName(%q) = %v, want ErrInvalidParams", name, err)
		}
	}
}

func TestParamsVars(t *testing.T) {
	p := callbackwire.Params{Body: "a=${bucket}&b=${x:uid}&c=${bucket}&$d={}&e=${object}"}
	got, err := p.Vars()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"bucket", "x:uid", "object"}, got); diff != "" {
		t.Errorf("Vars (-want +got):\n%s", diff)
	}
	if _, err := (callbackwire.Params{Body: "${a"}).Vars(); !errors.Is(err, callback.ErrInvalidParams) {
		t.Errorf("unterminated: err = %v", err)
	}
}

func TestEncodeVars(t *testing.T) {
	got, err := callbackwire.EncodeVars(map[string]string{"x:uid": "42", "x:name": "中文 & <b>"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(got)
	if want := `{"x:name":"中文 & <b>","x:uid":"42"}`; string(raw) != want {
		t.Errorf("EncodeVars = %s, want %s", raw, want)
	}
	for _, vars := range []map[string]string{{"x:UID": "1"}, {"uid": "1"}, {"x:": "1"}, {"x:a": "\xff"}} {
		if _, err := callbackwire.EncodeVars(vars); !errors.Is(err, callback.ErrInvalidParams) {
			t.Errorf("EncodeVars(%q): err = %v, want ErrInvalidParams", vars, err)
		}
	}
}
