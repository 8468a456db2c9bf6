package osstest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"io"
	"strings"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

// sniffBytes of the file are kept to read image dimensions for the
// imageInfo.* callback variables; JPEG headers with EXIF data can push the
// size marker past the first few KB.
const sniffBytes = 64 << 10

// streamed is what streaming the file produced.
type streamed struct {
	size  int64
	md5   []byte
	crc64 uint64
	sniff []byte
}

// Streaming works in chunks of chunkSize; MD5, the slowest step, runs on
// its own goroutine so it overlaps with reading, CRC-64 and storing, with
// chunkBuffers chunks in flight. Memory use is bounded by them, whatever
// the file size (plus the pending object itself for the memory store).
const (
	chunkSize    = 256 << 10
	chunkBuffers = 4
)

// streamFile copies the file part into p, hashing as it goes and stopping
// as soon as the size passes limit.
func (e *Emulator) streamFile(src io.Reader, p *pending, limit int64, pol *policy.Policy) (*streamed, *ossError) {
	free := make(chan []byte, chunkBuffers)
	for range chunkBuffers {
		free <- make([]byte, chunkSize)
	}
	toMD5 := make(chan []byte, chunkBuffers)
	md5h := md5.New()
	md5Done := make(chan struct{})
	go func() {
		defer close(md5Done)
		for b := range toMD5 {
			md5h.Write(b)
			free <- b[:cap(b)]
		}
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			close(toMD5)
			<-md5Done
		}
	}
	defer stop()

	crc := crc64.New(crcTable)
	var sniff []byte
	var size int64
	for {
		buf := <-free
		n, err := readChunk(src, buf)
		if n > 0 {
			size += int64(n)
			if size > limit {
				if pol != nil {
					if perr := postpolicy.CheckSize(pol, size); perr != nil {
						return nil, policyError(perr)
					}
				}
				return nil, errEntityTooLarge()
			}
			chunk := buf[:n]
			crc.Write(chunk)
			if len(sniff) < sniffBytes {
				sniff = append(sniff, chunk[:min(n, sniffBytes-len(sniff))]...)
			}
			if _, werr := p.Write(chunk); werr != nil {
				return nil, errInternal(werr)
			}
			toMD5 <- chunk
		} else {
			free <- buf
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			// The body ended inside the file (client gone or truncated
			// framing): nothing is stored.
			return nil, errMalformedPOST()
		}
	}
	stop()
	return &streamed{size: size, md5: md5h.Sum(nil), crc64: crc.Sum64(), sniff: sniff}, nil
}

// readChunk fills buf from src, returning early only with an error (io.EOF
// at the end of the part). Unlike io.ReadFull it passes errors through
// unchanged, so a truncated part (io.ErrUnexpectedEOF from multipart) is
// not mistaken for the end of the file.
func readChunk(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := src.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// commitStreamed stores the streamed body p as obj, completed with the size,
// ETag, Content-MD5 and CRC-64 that streaming measured.
func (e *Emulator) commitStreamed(p *pending, obj *Object, st *streamed, forbidOverwrite bool) *ossError {
	obj.Size = st.size
	obj.ETag = `"` + strings.ToUpper(hex.EncodeToString(st.md5)) + `"`
	obj.ContentMD5 = base64.StdEncoding.EncodeToString(st.md5)
	obj.CRC64 = st.crc64
	obj.LastModified = e.now().UTC()
	if err := e.store.commit(p, *obj, forbidOverwrite); err != nil {
		if errors.Is(err, errExists) {
			return errExistsOSS()
		}
		return errInternal(err)
	}
	return nil
}
