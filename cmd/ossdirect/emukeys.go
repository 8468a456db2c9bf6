package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
)

// errKeySpec is wrapped by the errors of parseKeySpec and readKeysFile.
var errKeySpec = errors.New("invalid access key")

// keyRecord is one key of a -keys file. The field names are those of the
// Credentials object STS's AssumeRole answers with
// (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole),
// so that answer can be saved as the file as it is; Expiration is RFC 3339.
type keyRecord struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

func (k keyRecord) accessKey() (osstest.AccessKey, error) {
	if k.AccessKeyID == "" || k.AccessKeySecret == "" {
		return osstest.AccessKey{}, fmt.Errorf("%w: AccessKeyId and AccessKeySecret are required", errKeySpec)
	}
	ak := osstest.AccessKey{ID: k.AccessKeyID, Secret: k.AccessKeySecret, SecurityToken: k.SecurityToken}
	if k.Expiration != "" {
		t, err := time.Parse(time.RFC3339, k.Expiration)
		if err != nil {
			return osstest.AccessKey{}, fmt.Errorf("%w: Expiration %q is not an RFC 3339 time", errKeySpec, k.Expiration)
		}
		ak.Expires = t
	}
	return ak, nil
}

// parseKeySpec reads a -key value: "ID:SECRET", or with an STS token and
// its expiry, "ID:SECRET:TOKEN" or "ID:SECRET:TOKEN:EXPIRATION" (RFC 3339,
// which has colons of its own, so everything after the third colon).
func parseKeySpec(spec string) (osstest.AccessKey, error) {
	parts := strings.SplitN(spec, ":", 4)
	if len(parts) < 2 {
		return osstest.AccessKey{}, fmt.Errorf("%w: %q is not ID:SECRET[:TOKEN[:EXPIRATION]]", errKeySpec, spec)
	}
	rec := keyRecord{AccessKeyID: parts[0], AccessKeySecret: parts[1]}
	if len(parts) > 2 {
		rec.SecurityToken = parts[2]
	}
	if len(parts) > 3 {
		rec.Expiration = parts[3]
	}
	return rec.accessKey()
}

// readKeysFile reads a JSON array of keyRecords, or a single one (an STS
// answer's Credentials object, or the whole answer with its Credentials).
func readKeysFile(name string) ([]osstest.AccessKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var recs []keyRecord
	if err := json.Unmarshal(b, &recs); err != nil {
		var one struct {
			keyRecord
			Credentials *keyRecord `json:"Credentials"`
		}
		if err2 := json.Unmarshal(b, &one); err2 != nil {
			return nil, fmt.Errorf("%w: %s is not a JSON array of keys nor one key: %v", errKeySpec, name, err)
		}
		if one.Credentials != nil {
			one.keyRecord = *one.Credentials
		}
		recs = []keyRecord{one.keyRecord}
	}
	keys := make([]osstest.AccessKey, 0, len(recs))
	for i, rec := range recs {
		k, err := rec.accessKey()
		if err != nil {
			return nil, fmt.Errorf("%s key %d: %w", name, i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
