package osstest_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestDirKeepsMultipartUploads: a multipart upload in progress survives a
// restart with its parts (ListParts names them with their ETags); it then
// takes more parts and completes with the multipart ETag of all of them,
// leaving only the object's file. An aborted upload stays gone.
func TestDirKeepsMultipartUploads(t *testing.T) {
	dir := t.TempDir()
	cfg := osstest.Config{Dir: dir}
	first := newServer(t, cfg)
	c := &mpClient{t: t, srv: first, a: auth{kind: "v4", key: testKey}, key: "mp/resumed.bin"}
	c.initiate(map[string]string{"Content-Type": "video/mp4", "X-Oss-Meta-Owner": "eric"})
	p1, p2, p3 := randomBytes(100<<10, 1), randomBytes(120<<10, 2), randomBytes(7, 3)
	e1 := c.part(1, p1)
	c.part(2, randomBytes(300<<10, 9)) // replaced before the restart
	e2 := c.part(2, p2)
	aborted := &mpClient{t: t, srv: first, a: c.a, key: "mp/aborted"}
	aborted.initiate(nil)
	aborted.part(1, p1)
	if r := aborted.do(http.MethodDelete, "uploadId="+aborted.id, nil, nil); r.status != 204 {
		t.Fatalf("abort: %d", r.status)
	}
	before := first.MultipartUploads()
	first.Close()

	second := newServer(t, cfg)
	if diff := cmp.Diff(before, second.MultipartUploads()); diff != "" {
		t.Fatalf("uploads after restart (-before +after):\n%s", diff)
	}
	c.srv = second
	r := c.do(http.MethodGet, "uploadId="+c.id, nil, nil)
	var parts struct {
		Part []struct {
			PartNumber int
			ETag       string
			Size       int64
		}
	}
	if err := xml.Unmarshal(r.body, &parts); r.status != 200 || err != nil {
		t.Fatalf("ListParts after restart: %d %s", r.status, r.body)
	}
	if len(parts.Part) != 2 || parts.Part[0].ETag != e1 || parts.Part[1].ETag != e2 || parts.Part[1].Size != int64(len(p2)) {
		t.Errorf("ListParts after restart: %+v", parts.Part)
	}
	e3 := c.part(3, p3)
	r = c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, e1}, xmlPart{2, e2}, xmlPart{3, e3}), nil)
	if r.status != 200 {
		t.Fatalf("complete after restart: %d %s", r.status, r.body)
	}
	obj, _ := second.Object(c.key)
	if got, _ := readObject(second, c.key); !bytes.Equal(got, slices.Concat(p1, p2, p3)) || obj.ETag != multipartETag(p1, p2, p3) ||
		obj.ContentType != "video/mp4" || obj.Meta["owner"] != "eric" {
		t.Errorf("completed object %+v, %d bytes", obj, len(got))
	}
	if files := dirFiles(t, dir); len(files) != 1 {
		t.Errorf("files after complete: %v", files)
	}
	second.Close()
	third := newServer(t, cfg)
	if ups := third.MultipartUploads(); len(ups) != 0 {
		t.Errorf("uploads after complete and restart: %+v", ups)
	}
	if got, _ := readObject(third, c.key); !bytes.Equal(got, slices.Concat(p1, p2, p3)) {
		t.Errorf("object after restart: %d bytes", len(got))
	}
}

// TestDirLoadCleansUp: what a killed emulator leaves (temporary files of
// an upload and of a journal rewrite, a content file renamed into place
// whose journal line was never written, a journal line cut off in its
// middle) is removed or ignored at the next start, and a file the
// emulator did not make is left alone; the objects and deletes that were
// journaled are as they were. A journal line that is not the last
// and does not parse is an error, not a silently lost object.
func TestDirLoadCleansUp(t *testing.T) {
	dir := t.TempDir()
	cfg := osstest.Config{Dir: dir}
	srv := newServer(t, cfg)
	if err := osstest.StoreObjects(srv.Emulator, []string{"kept", "deleted"}, 10); err != nil {
		t.Fatal(err)
	}
	osstest.RemoveObject(srv.Emulator, "deleted")
	want := srv.Objects()
	srv.Close()
	files := dirNames(t, dir)

	write := func(name, content string, flag int) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|flag, 0o644)
		if err == nil {
			_, err = f.WriteString(content)
			f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	write(".upload-123.tmp", "half an upload", 0)
	write(".journal-123.tmp", `{"op":"put"`, 0)
	write("obj-renamedbutnotjournaled", "content", 0)
	write("part-renamedbutnotjournaled", "content", 0)
	write("journal", `{"op":"put","file":"obj-renamedbutnotjournaled","obj":{"Key":"gho`, os.O_APPEND)
	write("README.txt", "not the emulator's", 0)
	files = append(files, "README.txt")
	sort.Strings(files)

	srv = newServer(t, cfg)
	if diff := cmp.Diff(want, srv.Objects()); diff != "" {
		t.Errorf("objects after load (-want +got):\n%s", diff)
	}
	srv.Close()
	if diff := cmp.Diff(files, dirNames(t, dir)); diff != "" {
		t.Errorf("files after load (-want +got):\n%s", diff)
	}

	write("journal", "not json\n{\"op\":\"del\",\"key\":\"kept\"}\n", os.O_APPEND)
	if _, err := osstest.New(cfg); !errors.Is(err, osstest.ErrInvalid) {
		t.Errorf("New with a corrupt journal line: %v, want ErrInvalid", err)
	}
}
