package osstest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// With Config.Dir, every stored object is two files: its content,
// "obj-<random>", and its metadata beside it, "obj-<random>.json" (the
// Object as JSON). A new Emulator on the same directory reads them back, so
// a standalone emulator restarted with the same directory still serves what
// was uploaded before, with the same ETag, type, metadata and callbacks'
// view of it. Multipart uploads in progress are not kept.

// metaSuffix is appended to an object file's name to name its metadata.
const metaSuffix = ".json"

// objPrefix starts the name of every object content file.
const objPrefix = "obj-"

// saveMeta writes obj as the metadata of the object file path. It goes
// through a temporary file and a rename, so a crash leaves either no
// metadata (the content is then dropped by load) or all of it. On failure
// the content file is removed too: an object without metadata is not
// stored.
func saveMeta(path string, obj Object) error {
	b, err := json.Marshal(obj)
	if err == nil {
		err = writeFileAtomic(path+metaSuffix, b)
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("saving metadata of %q: %w", obj.Key, err)
	}
	return nil
}

func writeFileAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".meta-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// load reads the objects a previous emulator left in s.dir. Files that do
// not form a complete object are the remains of an upload, overwrite or
// refusal interrupted by the end of that emulator's process, and are
// removed: content without metadata, metadata without content, and, of two
// complete objects with one key, the older one.
func (s *store) load() error {
	if s.dir == "" {
		return nil
	}
	names, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("Config.Dir: %w", err)
	}
	present := map[string]bool{}
	for _, d := range names {
		present[d.Name()] = true
	}
	for _, d := range names {
		name := d.Name()
		if !strings.HasPrefix(name, objPrefix) || d.IsDir() {
			continue
		}
		path := filepath.Join(s.dir, name)
		if content, ok := strings.CutSuffix(name, metaSuffix); ok {
			if !present[content] {
				os.Remove(path)
			}
			continue
		}
		if !present[name+metaSuffix] {
			os.Remove(path)
			continue
		}
		b, err := os.ReadFile(path + metaSuffix)
		if err != nil {
			return fmt.Errorf("Config.Dir: %w", err)
		}
		var obj Object
		if err := json.Unmarshal(b, &obj); err != nil || obj.Key == "" {
			return fmt.Errorf("Config.Dir: %s is not object metadata written by osstest (%v)", path+metaSuffix, err)
		}
		if old, ok := s.objects[obj.Key]; ok {
			if !obj.LastModified.After(old.obj.LastModified) {
				removeObjectFiles(path)
				continue
			}
			removeObjectFiles(old.path)
		}
		s.objects[obj.Key] = &entry{obj: obj, path: path}
	}
	keys := make([]string, 0, len(s.objects))
	for k := range s.objects {
		keys = append(keys, k)
	}
	s.index = buildKeyIndex(keys)
	return nil
}

// removeObjectFiles removes an object's content file and its metadata.
func removeObjectFiles(path string) {
	os.Remove(path)
	os.Remove(path + metaSuffix)
}
