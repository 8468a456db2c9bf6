package osstest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"hash/crc64"
	"io"
	"strings"
	"sync"

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
// up to chunkBuffers chunks in flight. Memory use is bounded by them, whatever
// the file size (plus the pending object itself for the memory store). A
// file that fits in one chunk is hashed inline: for a small request the
// goroutine and its channels would cost more than the MD5 they overlap.
const (
	chunkSize    = 256 << 10
	chunkBuffers = 4
)

// chunkPool recycles chunk buffers between requests. Without it every
// request, even of 1 KiB, allocated and zeroed a megabyte of buffers, and
// that and the garbage collection it caused was most of the CPU time of
// small uploads. Its zero value is ready.
type chunkPool struct{ pool sync.Pool }

func (c *chunkPool) get() *[]byte {
	if b, ok := c.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, chunkSize)
	return &b
}

func (c *chunkPool) put(b *[]byte) { c.pool.Put(b) }

// streamFile copies the file part into p, hashing as it goes and stopping
// as soon as the size passes limit.
func (e *Emulator) streamFile(src io.Reader, p *pending, limit int64, pol *policy.Policy) (*streamed, *ossError) {
	s := &streamer{p: p, limit: limit, pol: pol, crc: crc64.New(crcTable), md5: md5.New()}
	first := e.chunks.get()
	defer e.chunks.put(first)
	n, err := readChunk(src, *first)
	if oe := s.take((*first)[:n]); oe != nil {
		return nil, oe
	}
	if err == io.EOF {
		s.md5.Write((*first)[:n])
		return s.result(), nil
	}
	if err != nil {
		// The body ended inside the file (client gone or truncated
		// framing): nothing is stored.
		return nil, errMalformedPOST()
	}
	return e.streamRest(src, s, first, n)
}

// streamRest streams the chunks after the first (full) one, with MD5 on
// its own goroutine.
func (e *Emulator) streamRest(src io.Reader, s *streamer, first *[]byte, n int) (*streamed, *ossError) {
	type chunk struct {
		buf *[]byte
		n   int
	}
	// Every buffer is in free, queued for or being hashed, or being
	// filled; first and at most chunkBuffers-1 more (taken, returned to
	// the pool at the end, when MD5 is done with them).
	free := make(chan *[]byte, chunkBuffers)
	toMD5 := make(chan chunk, chunkBuffers)
	md5Done := make(chan struct{})
	var taken []*[]byte
	go func() {
		defer close(md5Done)
		for c := range toMD5 {
			s.md5.Write((*c.buf)[:c.n])
			free <- c.buf
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
	defer func() {
		stop()
		for _, b := range taken {
			e.chunks.put(b)
		}
	}()
	toMD5 <- chunk{first, n}
	for {
		var buf *[]byte
		select {
		case buf = <-free:
		default:
			if len(taken) < chunkBuffers-1 {
				buf = e.chunks.get()
				taken = append(taken, buf)
			} else {
				buf = <-free
			}
		}
		n, err := readChunk(src, *buf)
		if oe := s.take((*buf)[:n]); oe != nil {
			return nil, oe
		}
		if n > 0 {
			toMD5 <- chunk{buf, n}
		} else {
			free <- buf
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errMalformedPOST()
		}
	}
	stop()
	return s.result(), nil
}

// streamer is the state of one streamFile: what has been measured of the
// file so far, and where it goes.
type streamer struct {
	p     *pending
	limit int64
	pol   *policy.Policy
	size  int64
	md5   hash.Hash
	crc   hash.Hash64
	sniff []byte
}

// take accounts for and stores one chunk; MD5 is the caller's.
func (s *streamer) take(chunk []byte) *ossError {
	if len(chunk) == 0 {
		return nil
	}
	s.size += int64(len(chunk))
	if s.size > s.limit {
		if s.pol != nil {
			if perr := postpolicy.CheckSize(s.pol, s.size); perr != nil {
				return policyError(perr)
			}
		}
		return errEntityTooLarge()
	}
	s.crc.Write(chunk)
	if len(s.sniff) < sniffBytes {
		s.sniff = append(s.sniff, chunk[:min(len(chunk), sniffBytes-len(s.sniff))]...)
	}
	if _, err := s.p.Write(chunk); err != nil {
		return errInternal(err)
	}
	return nil
}

func (s *streamer) result() *streamed {
	return &streamed{size: s.size, md5: s.md5.Sum(nil), crc64: s.crc.Sum64(), sniff: s.sniff}
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
	if err := e.store.commit(p, obj, forbidOverwrite); err != nil {
		if errors.Is(err, errExists) {
			return errExistsOSS()
		}
		return errInternal(err)
	}
	return nil
}
