package osstest

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
)

// Server-side encryption is recorded and echoed, never performed: the
// emulator stores plain bytes. x-oss-server-side-encryption is AES256, KMS
// or SM4; with KMS, x-oss-server-side-data-encryption may name SM4 and
// x-oss-server-side-encryption-key-id the KMS key, and without a key id OSS
// uses the account's default KMS key and answers with its id
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putobject).

// takeEncryption records the data encryption and KMS key id of a request
// whose x-oss-server-side-encryption obj already holds.
func (e *Emulator) takeEncryption(h http.Header, obj *Object) *ossError {
	data, keyID := h.Get("X-Oss-Server-Side-Data-Encryption"), h.Get("X-Oss-Server-Side-Encryption-Key-Id")
	if obj.ServerSideEncryption != "KMS" {
		if data != "" || keyID != "" {
			return newErr(400, "InvalidArgument", "x-oss-server-side-data-encryption and x-oss-server-side-encryption-key-id need x-oss-server-side-encryption KMS.")
		}
		return nil
	}
	if data != "" && data != "SM4" {
		return newErr(400, "InvalidEncryptionAlgorithmError", "The encryption algorithm specified is not valid.").withArg("x-oss-server-side-data-encryption", data)
	}
	if keyID == "" {
		keyID = e.defaultKMSKeyID()
	}
	obj.ServerSideDataEncryption, obj.ServerSideEncryptionKeyID = data, keyID
	return nil
}

// defaultKMSKeyID stands for the account's default KMS key: a fixed
// UUID-shaped id derived from the region and the owner's key id.
func (e *Emulator) defaultKMSKeyID() string {
	sum := md5.Sum([]byte(e.region + "/" + e.buckets.root.keys[0].ID))
	x := hex.EncodeToString(sum[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// setEncryptionHeaders echoes an object's server-side encryption.
func setEncryptionHeaders(h http.Header, obj Object) {
	if obj.ServerSideEncryption != "" {
		h.Set("X-Oss-Server-Side-Encryption", obj.ServerSideEncryption)
	}
	if obj.ServerSideDataEncryption != "" {
		h.Set("X-Oss-Server-Side-Data-Encryption", obj.ServerSideDataEncryption)
	}
	if obj.ServerSideEncryptionKeyID != "" {
		h.Set("X-Oss-Server-Side-Encryption-Key-Id", obj.ServerSideEncryptionKeyID)
	}
}
