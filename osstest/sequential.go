package osstest

import (
	"crypto/md5"
	"encoding/base64"
	"io"
	"os"
)

// A multipart upload initiated with the sequential parameter
// (POST /<key>?uploads&sequential) gets a Content-MD5 when it is
// completed: the MD5 of the whole object, which OSS can compute because
// the parts come in order. The Go SDK v2's uploader asks for it, and its
// integration test (TestUploaderWithSequential) expects OSS to answer HEAD
// with a Content-MD5 for such an object, and none for other multipart
// objects (https://www.alibabacloud.com/help/en/oss/developer-reference/initiatemultipartupload).
// With Config.Dir the flag is journalled with the upload (persist.go), so
// it survives a restart as the parts do.

// blobsMD5 is the base64 MD5 of the blobs' content, in order.
func blobsMD5(blobs []blob) (string, error) {
	h := md5.New()
	for _, b := range blobs {
		if b.path == "" {
			h.Write(b.data)
			continue
		}
		f, err := os.Open(b.path)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}
