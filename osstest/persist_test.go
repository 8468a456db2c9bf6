package osstest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// postFile uploads content as key to srv with a token of srv's own signer
// and metadata, and fails the test unless it is stored.
func postFile(t *testing.T, srv *osstest.Server, key, ctype, content string) {
	t.Helper()
	tok, err := srv.Signer().Sign(context.Background(), signer.Upload{
		Key: key, MaxSize: 1 << 20, ContentTypes: []string{ctype},
		Meta: map[string]string{"owner": "u42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	postReq, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, Body: strings.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(postReq)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload of %q: status %d", key, resp.StatusCode)
	}
}

// dirNames lists the file names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ds, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range ds {
		names = append(names, d.Name())
	}
	sort.Strings(names)
	return names
}

// A new emulator on the same Config.Dir serves the objects of the previous
// one, metadata included, and an overwritten object only in its last
// version.
func TestDirPersistsObjectsAndMetadata(t *testing.T) {
	dir := t.TempDir()
	cfg := osstest.Config{Dir: dir, AccessKeys: []osstest.AccessKey{testKey}, ACL: "public-read"}

	first, err := osstest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	postFile(t, first, "a/photo.jpg", "image/jpeg", "first version")
	postFile(t, first, "a/photo.jpg", "image/jpeg", "second version")
	postFile(t, first, "b/notes.txt", "text/plain", "notes")
	want := first.Objects()
	first.Close()

	// Two objects: a content file each, and the journal; the overwritten
	// version left nothing behind.
	if names := dirNames(t, dir); len(names) != 3 {
		t.Fatalf("files in Dir after 2 objects: %q, want 3", names)
	}

	second, err := osstest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if diff := cmp.Diff(want, second.Objects()); diff != "" {
		t.Errorf("objects after restart (-before +after):\n%s", diff)
	}
	if o, _ := second.Object("a/photo.jpg"); o.Meta["owner"] != "u42" || o.ContentType != "image/jpeg" {
		t.Errorf("metadata after restart = %+v", o)
	}
	for key, content := range map[string]string{"a/photo.jpg": "second version", "b/notes.txt": "notes"} {
		got, err := readObject(second, key)
		if err != nil || string(got) != content {
			t.Errorf("ReadObject(%q) after restart = %q, %v; want %q", key, got, err, content)
		}
	}
	// Served over HTTP too, with the stored ETag.
	resp, err := http.Get(second.URL + "/b/notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if o, _ := second.Object("b/notes.txt"); resp.StatusCode != 200 || string(body) != "notes" || resp.Header.Get("ETag") != o.ETag {
		t.Errorf("GET after restart: %d %q ETag %q, want 200 %q ETag %q", resp.StatusCode, body, resp.Header.Get("ETag"), "notes", o.ETag)
	}
}

// Files that do not form a complete object (what a killed emulator may
// leave) are dropped when the directory is loaded, and unreadable metadata
// is an error rather than a silently lost object.
func TestDirLoadDropsIncompleteObjects(t *testing.T) {
	dir := t.TempDir()
	cfg := osstest.Config{Dir: dir, AccessKeys: []osstest.AccessKey{testKey}}
	srv, err := osstest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	postFile(t, srv, "kept.txt", "text/plain", "kept")
	srv.Close()
	kept := dirNames(t, dir)

	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("obj-contentonly", "no metadata")
	write("obj-metaonly.json", `{"Key":"ghost.txt"}`)

	srv, err = osstest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if keys := srv.Objects(); len(keys) != 1 || keys[0].Key != "kept.txt" {
		t.Errorf("objects = %+v, want only kept.txt", keys)
	}
	srv.Close()
	if diff := cmp.Diff(kept, dirNames(t, dir)); diff != "" {
		t.Errorf("files after load (-want +got):\n%s", diff)
	}

	write("obj-bad", "content")
	write("obj-bad.json", "not json")
	if _, err := osstest.New(cfg); !errors.Is(err, osstest.ErrInvalid) {
		t.Errorf("New with corrupt metadata in Dir: %v, want ErrInvalid", err)
	}
	if _, err := osstest.New(osstest.Config{Dir: filepath.Join(dir, "missing")}); !errors.Is(err, osstest.ErrInvalid) {
		t.Errorf("New with a missing Dir: %v, want ErrInvalid", err)
	}
	for _, cfg := range []osstest.Config{{ACL: "public"}, {CallbackKeyBits: 1000}} {
		if _, err := osstest.NewServer(cfg); !errors.Is(err, osstest.ErrInvalid) {
			t.Errorf("NewServer(%+v): %v, want ErrInvalid", cfg, err)
		}
	}
}
