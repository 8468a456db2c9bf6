package osstest

import (
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// Limits on the fields before the file. The PostObject page allows 8 KB of
// field names and 2 MB of field values; the 400 error catalogue mentions a
// 4 KB limit that real V4 forms with a callback would come close to, so the
// PostObject figures are used (docs/PROTOCOL.md#size-limits) [inferred].
const (
	maxFieldNameBytes  = 8 << 10
	maxFieldValueBytes = 2 << 20
)

// form holds the fields that preceded the file part and the file part
// itself, positioned at its first byte.
type form struct {
	// fields maps the lower-cased field name to its raw value: OSS matches
	// field names case-insensitively (docs/PROTOCOL.md#form-upload).
	fields map[string]string
	// names maps the lower-cased name to the spelling the client sent.
	names map[string]string

	file        *multipart.Part
	fileName    string // base name from filename= / filename*=
	hasFileName bool
	fileType    string // the file part's Content-Type line
}

func (f *form) get(name string) string { return f.fields[name] }

func (f *form) has(name string) bool {
	_, ok := f.fields[name]
	return ok
}

// rawFields returns the fields under the names the client used, which is
// what postpolicy.Check matches case-insensitively.
func (f *form) rawFields() map[string]string {
	m := make(map[string]string, len(f.fields))
	for l, v := range f.fields {
		m[f.names[l]] = v
	}
	return m
}

// fileHeaders are the header lines OSS accepts in the file part; anything
// else there is "unrecognized" (docs/PROTOCOL.md#form-upload). Content-Length
// is tolerated because common HTTP libraries emit it per part [inferred].
var fileHeaders = map[string]bool{
	"Content-Disposition":       true,
	"Content-Type":              true,
	"Content-Transfer-Encoding": true,
	"Content-Length":            true,
}

// readForm reads parts up to and including the header of the file part (step
// 2 of docs/PROTOCOL.md#check-order). It never reads file content.
// NextRawPart is used so that a Content-Transfer-Encoding: quoted-printable
// part is stored as sent rather than silently decoded [inferred].
func readForm(mr *multipart.Reader) (*form, *ossError) {
	f := &form{fields: map[string]string{}, names: map[string]string{}}
	var nameBytes, valueBytes int
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil, errFileCount()
		}
		if err != nil {
			return nil, errMalformedPOST()
		}
		name, fileName, hasFileName, ok := partName(p.Header)
		if !ok {
			return nil, newErr(400, "InvalidArgument", "The bucket POST must contain the specified field name.")
		}
		nameBytes += len(name)
		if nameBytes > maxFieldNameBytes {
			return nil, newErr(400, "FieldItemTooLong", "Your name of form field is too long.")
		}
		lname := strings.ToLower(name)
		if lname == "file" {
			for h := range p.Header {
				if !fileHeaders[h] {
					return nil, newErr(400, "InvalidArgument", "The bucket POST contains unrecognized field name.").withArg(h, p.Header.Get(h))
				}
			}
			if !f.has("key") {
				return nil, errNoKey()
			}
			f.file = p
			f.fileName, f.hasFileName = fileName, hasFileName
			f.fileType = p.Header.Get("Content-Type")
			return f, nil
		}
		if _, dup := f.fields[lname]; dup {
			// Which copy OSS would use is unknown; refusing is the only
			// answer that cannot let one copy pass the policy and the
			// other be acted on [inferred].
			return nil, newErr(400, "InvalidArgument", "The bucket POST contains duplicate field name.").withArg(name, "")
		}
		v, err := io.ReadAll(io.LimitReader(p, int64(maxFieldValueBytes-valueBytes+1)))
		if err != nil {
			return nil, errMalformedPOST()
		}
		valueBytes += len(v)
		if valueBytes > maxFieldValueBytes {
			return nil, newErr(400, "MaxPOSTPreDataLengthExceededError", "Your POST request fields preceding the upload file were too large.")
		}
		f.fields[lname] = string(v)
		f.names[lname] = name
	}
}

// partName parses a part's Content-Disposition: form-data; name="…";
// filename="…" (or the RFC 2231 form filename*=, which mime.ParseMediaType
// decodes). The file name is reduced to its last path element, also for
// old browsers that send "C:\dir\name".
func partName(h textproto.MIMEHeader) (name, fileName string, hasFileName, ok bool) {
	cd := h.Get("Content-Disposition")
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil || disp != "form-data" {
		return "", "", false, false
	}
	name = params["name"]
	if name == "" {
		return "", "", false, false
	}
	fileName, hasFileName = params["filename"]
	if i := strings.LastIndexAny(fileName, `/\`); i >= 0 {
		fileName = fileName[i+1:]
	}
	return name, fileName, hasFileName, true
}
