package source

import (
	"io/fs"
	"path"
)

// HideFiles wraps fsys so that files with the given base names are not
// listed or opened: a data set's own notes (expected answers, READMEs) must
// not be read as logs.
func HideFiles(fsys fs.FS, names ...string) fs.FS {
	hidden := map[string]bool{}
	for _, n := range names {
		hidden[n] = true
	}
	return hideFS{fsys: fsys, hidden: hidden}
}

type hideFS struct {
	fsys   fs.FS
	hidden map[string]bool
}

func (h hideFS) Open(name string) (fs.File, error) {
	if h.hidden[path.Base(name)] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return h.fsys.Open(name)
}

func (h hideFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(h.fsys, name)
	out := entries[:0]
	for _, e := range entries {
		if !h.hidden[e.Name()] {
			out = append(out, e)
		}
	}
	return out, err
}
