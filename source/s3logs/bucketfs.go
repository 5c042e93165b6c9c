package s3logs

import (
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// bucketFS is the objects under a location as a read-only fs.FS, from one
// listing taken at open: folders are the key prefixes up to each "/", files
// the objects. Listing and statting cost nothing after the listing; opening
// a file costs nothing until it is read (objectFile: one GetObject per
// sequential read, ranged GETs for ReadAt). source.Local indexes and reads
// it as it does a folder on disk.
type bucketFS struct {
	store *store
	dirs  map[string][]fs.DirEntry // "." and every folder, entries in name order
	files map[string]*objectInfo
}

// objectInfo is one listed object.
type objectInfo struct {
	rel          string // path below the location
	key          string
	size         int64
	modTime      time.Time
	etag         string
	storageClass string
}

// listed is one object of a listing.
type listed struct {
	Key          string
	Size         int64
	LastModified time.Time
	ETag         string
	StorageClass string
}

// unplacedKey is a listed key that cannot be a path of an fs.FS ("a//b",
// "a/./b", a name that is a folder too), reported instead of read.
type unplacedKey struct {
	key, why string
}

// newBucketFS builds the tree of a listing. Keys ending in "/" with no
// bytes are the folder markers the S3 console creates: folders, not
// files.
func newBucketFS(st *store, objs []listed) (*bucketFS, []unplacedKey) {
	b := &bucketFS{store: st, dirs: map[string][]fs.DirEntry{}, files: map[string]*objectInfo{}}
	isDir := map[string]bool{".": true}
	var bad []unplacedKey
	prefix := st.loc.listPrefix()
	var files []*objectInfo
	for _, o := range objs {
		rel := strings.TrimPrefix(o.Key, prefix)
		if strings.HasSuffix(rel, "/") && o.Size == 0 {
			if d := strings.TrimSuffix(rel, "/"); fs.ValidPath(d) && d != "." {
				markDirs(isDir, d)
			}
			continue
		}
		if !fs.ValidPath(rel) || rel == "." || !utf8.ValidString(rel) {
			bad = append(bad, unplacedKey{o.Key, "the key has an empty, \".\" or \"..\" part, so it cannot be named as a path below the prefix"})
			continue
		}
		markDirs(isDir, path.Dir(rel))
		files = append(files, &objectInfo{rel: rel, key: o.Key, size: o.Size, modTime: o.LastModified, etag: o.ETag, storageClass: o.StorageClass})
	}
	for _, f := range files {
		if isDir[f.rel] {
			bad = append(bad, unplacedKey{f.key, "other keys continue it as a folder (" + f.key + "/…): read as that folder"})
			continue
		}
		b.files[f.rel] = f
		dir := path.Dir(f.rel)
		b.dirs[dir] = append(b.dirs[dir], &entry{name: path.Base(f.rel), file: f})
	}
	for d := range isDir {
		if d == "." {
			continue
		}
		parent := path.Dir(d)
		b.dirs[parent] = append(b.dirs[parent], &entry{name: path.Base(d)})
		if b.dirs[d] == nil {
			b.dirs[d] = []fs.DirEntry{}
		}
	}
	if b.dirs["."] == nil {
		b.dirs["."] = []fs.DirEntry{}
	}
	for _, es := range b.dirs {
		sort.Slice(es, func(i, j int) bool { return es[i].Name() < es[j].Name() })
	}
	return b, bad
}

// markDirs records d and every folder above it.
func markDirs(isDir map[string]bool, d string) {
	for d != "." && d != "/" && d != "" && !isDir[d] {
		isDir[d] = true
		d = path.Dir(d)
	}
}

// Open implements fs.FS.
func (b *bucketFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if f := b.files[name]; f != nil {
		return &objectFile{store: b.store, info: f}, nil
	}
	if es, ok := b.dirs[name]; ok {
		return &dirFile{info: dirInfo(name), entries: es}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir implements fs.ReadDirFS.
func (b *bucketFS) ReadDir(name string) ([]fs.DirEntry, error) {
	es, ok := b.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return append([]fs.DirEntry(nil), es...), nil
}

// Stat implements fs.StatFS.
func (b *bucketFS) Stat(name string) (fs.FileInfo, error) {
	if f := b.files[name]; f != nil {
		return fileInfo{f}, nil
	}
	if _, ok := b.dirs[name]; ok {
		return dirInfo(name), nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// entry is a folder entry: an object or a folder.
type entry struct {
	name string
	file *objectInfo // nil for a folder
}

func (e *entry) Name() string { return e.name }
func (e *entry) IsDir() bool  { return e.file == nil }
func (e *entry) Type() fs.FileMode {
	if e.file == nil {
		return fs.ModeDir
	}
	return 0
}
func (e *entry) Info() (fs.FileInfo, error) {
	if e.file == nil {
		return dirInfo(e.name), nil
	}
	return fileInfo{e.file}, nil
}

// fileInfo describes an object. Its Sys is its version (the ETag), which
// the index cache compares beside size and time (source.VersionedInfo).
type fileInfo struct{ o *objectInfo }

func (i fileInfo) Name() string       { return path.Base(i.o.rel) }
func (i fileInfo) Size() int64        { return i.o.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o444 }
func (i fileInfo) ModTime() time.Time { return i.o.modTime }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return objectVersion(i.o.etag) }

// objectVersion is an object's ETag, as source.VersionedInfo.
type objectVersion string

func (v objectVersion) Version() string { return string(v) }

type dirInfo string

func (d dirInfo) Name() string       { return path.Base(string(d)) }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (d dirInfo) ModTime() time.Time { return time.Time{} }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

// dirFile is an opened folder.
type dirFile struct {
	info    dirInfo
	entries []fs.DirEntry
	read    int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: string(d.info), Err: fs.ErrInvalid}
}
func (d *dirFile) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.read:]
	if n <= 0 {
		d.read = len(d.entries)
		return append([]fs.DirEntry(nil), rest...), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(rest))
	d.read += k
	return append([]fs.DirEntry(nil), rest[:k]...), nil
}
