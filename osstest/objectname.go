package osstest

import (
	"path"
	"strings"
	"unicode/utf8"
)

const maxKeyBytes = 1023

// expandKey substitutes ${filename} in the key field with the base name of
// the uploaded file. It runs after the policy check, which sees the raw value
// (docs/PROTOCOL.md#object-key). Without a (non-empty) filename there is
// nothing to substitute and the literal stays, as Amazon S3 does [inferred].
func expandKey(key, fileName string) string {
	if fileName == "" {
		return key
	}
	return strings.ReplaceAll(key, "${filename}", fileName)
}

// validateKey applies OSS's object-name rules (docs/PROTOCOL.md#object-key):
// UTF-8, 1–1023 bytes, no leading "/" or "\". The Ruby emulator's 255-byte
// segment limit is not an OSS rule and is not applied.
func validateKey(key string) *ossError {
	switch {
	case key == "":
		return newErr(400, "InvalidObjectName", "The Object name can not be empty").withArg("key", key)
	case len(key) > maxKeyBytes:
		return newErr(400, "InvalidObjectName", "The Length of Object name must be less than 1024").withArg("key", key)
	case !utf8.ValidString(key), key[0] == '/', key[0] == '\\':
		return newErr(400, "InvalidObjectName", "The specified object is not valid.").withArg("key", key)
	}
	return nil
}

// contentTypes maps extensions to the type OSS assigns when an upload names
// none. OSS documents this behaviour for PutObject; a fixed table (rather
// than mime.TypeByExtension, which reads the host's mime.types) keeps the
// emulator's answers the same on every machine [inferred].
var contentTypes = map[string]string{
	".txt":  "text/plain",
	".html": "text/html",
	".htm":  "text/html",
	".css":  "text/css",
	".csv":  "text/csv",
	".js":   "application/javascript",
	".json": "application/json",
	".xml":  "application/xml",
	".pdf":  "application/pdf",
	".zip":  "application/zip",
	".gz":   "application/gzip",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".svg":  "image/svg+xml",
	".bmp":  "image/bmp",
	".ico":  "image/x-icon",
	".mp4":  "video/mp4",
	".mp3":  "audio/mpeg",
	".wav":  "audio/wav",
}

// objectContentType picks the stored Content-Type
// (docs/PROTOCOL.md#form-fields): x-oss-content-type field > file part
// Content-Type > Content-Type field > extension of the key >
// application/octet-stream.
func objectContentType(f *form, key string) string {
	for _, v := range []string{f.get("x-oss-content-type"), f.fileType, f.get("content-type")} {
		if v != "" {
			return v
		}
	}
	return contentTypeByExtension(key)
}

// contentTypeByExtension is the Content-Type OSS gives an object sent
// without one: by the key's extension, else application/octet-stream.
func contentTypeByExtension(key string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok {
		return t
	}
	return "application/octet-stream"
}
