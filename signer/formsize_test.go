package signer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
)

// TestFormSizeExact: formSize, from which Sign sizes its conditions and
// fields, is exactly what Sign makes (so neither is allocated larger than
// needed, nor grown), for V1 and V4, with and without an STS token, for
// a bare upload and one with every pin.
func TestFormSizeExact(t *testing.T) {
	many := fullUpload()
	many.ContentTypes = []string{"image/png", "image/jpeg"}
	many.KeyPrefix, many.Key = "", "user/42/avatar.png"
	uploads := map[string]Upload{"worked": workedUpload, "full": fullUpload(), "two types, a key": many}
	for _, v := range []Version{V1, V4} {
		for _, creds := range []StaticCredentials{{AccessKeyID: workedAKID, AccessKeySecret: workedSecret}, stsCreds} {
			for name, u := range uploads {
				t.Run(fmt.Sprintf("%s/%s/token=%v", v, name, creds.SecurityToken != ""), func(t *testing.T) {
					s := workedSigner(v)
					s.Credentials = creds
					s.Secrets = callback.Secrets{{ID: "k1", Key: []byte("form size secret")}}
					tok, err := s.Sign(context.Background(), u)
					if err != nil {
						t.Fatal(err)
					}
					doc, err := base64.StdEncoding.DecodeString(tok.Fields["policy"])
					if err != nil {
						t.Fatal(err)
					}
					var p struct{ Conditions []json.RawMessage }
					if err := json.Unmarshal(doc, &p); err != nil {
						t.Fatal(err)
					}
					pu, err := u.prepare()
					if err != nil {
						t.Fatal(err)
					}
					conds, fields := formSize(v, &u, &pu, creds.SecurityToken != "")
					if conds != len(p.Conditions) || fields != len(tok.Fields) {
						t.Errorf("formSize %d conditions, %d fields; Sign made %d, %d", conds, fields, len(p.Conditions), len(tok.Fields))
					}
				})
			}
		}
	}
}
