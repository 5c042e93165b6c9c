package source

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// indexCache keeps a logs folder's index between runs, in
// os.UserCacheDir()/vpnlens/index/<hash of the folder's absolute path>.json:
// a file whose path, size and modification time are unchanged is not read
// again at open. An unreadable or stale cache file is ignored (the index is
// rebuilt and the file rewritten); failing to write it costs only the next
// open's time.
type indexCache struct {
	dir      string // the logs folder, absolute, or the store's URL
	path     string
	key      string
	old      map[string]*indexedFile
	logger   *slog.Logger
	minBytes int64 // files' size from which the index is saved (< 0: always)
	mu       sync.Mutex
}

// indexCacheMinBytes is the folder size from which the index is saved:
// smaller folders are indexed quickly enough at every open. A variable
// for tests.
var indexCacheMinBytes int64 = 64 << 20

// indexCacheVersion changes when the cached fields change meaning.
const indexCacheVersion = 4

type indexCacheFile struct {
	Version int            `json:"version"`
	Key     string         `json:"key"`
	Dir     string         `json:"dir"`
	Files   []*indexedFile `json:"files"`
}

// openIndexCache reads the cache of the file system id names (a folder's
// absolute path, an S3 URL), if any; cacheDir "" is the user cache folder.
func openIndexCache(id, cacheDir string, opt LocalOptions, logger *slog.Logger) *indexCache {
	abs := id
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		cacheDir = filepath.Join(base, "vpnlens", "index")
	}
	sum := sha256.Sum256([]byte(abs))
	c := &indexCache{dir: abs, path: filepath.Join(cacheDir, hex.EncodeToString(sum[:16])+".json"), key: cacheKey(opt), logger: logger, minBytes: opt.IndexCacheMinBytes}
	if c.minBytes == 0 {
		c.minBytes = indexCacheMinBytes
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var cf indexCacheFile
	if json.Unmarshal(b, &cf) != nil || cf.Version != indexCacheVersion || cf.Key != c.key || cf.Dir != abs {
		logger.Debug("logs index cache not usable; rebuilding", "file", c.path)
		return c
	}
	c.old = make(map[string]*indexedFile, len(cf.Files))
	for _, f := range cf.Files {
		if f != nil {
			c.old[f.Path] = f
		}
	}
	return c
}

// cacheKey ties a cache to what shapes an index: the vpnlens binary (its
// classification) and the read options.
func cacheKey(opt LocalOptions) string {
	exe := "unknown"
	if p, err := os.Executable(); err == nil {
		if st, err := os.Stat(p); err == nil {
			exe = fmt.Sprintf("%s|%d|%d", p, st.Size(), st.ModTime().UnixNano())
		}
	}
	return fmt.Sprintf("%s|inflate=%d", exe, opt.MaxInflatedBytes)
}

// lookup returns the cached index of a file that has not changed: same
// size, time and version (an S3 object's ETag; "" on disk).
func (c *indexCache) lookup(p string, size, mtime int64, version string) *indexedFile {
	f := c.old[p]
	if f == nil || f.Size != size || f.ModTime != mtime || f.Version != version {
		return nil
	}
	return f
}

// save writes the index when the folder's records are large enough to be
// worth it.
// Files whose reading failed are left out: they are read again next time.
func (c *indexCache) save(files []*indexedFile) {
	var total int64
	for _, f := range files {
		total += max(f.Size, f.Report.Bytes) // a gzip file's records, inflated, are what reading it again costs
	}
	if c.minBytes >= 0 && total < c.minBytes {
		return
	}
	c.write(files)
}

// savePart writes the index of part of a folder (what an on-demand
// question indexed) with the entries of the other files kept from the
// cache as it was read: each is checked against its file when used.
// folderBytes is the whole folder's size, as save measures it.
func (c *indexCache) savePart(files []*indexedFile, folderBytes int64) {
	if c.minBytes >= 0 && folderBytes < c.minBytes {
		return
	}
	have := make(map[string]bool, len(files))
	all := make([]*indexedFile, 0, len(files)+len(c.old))
	for _, f := range files {
		have[f.Path] = true
		all = append(all, f)
	}
	for p, f := range c.old {
		if !have[p] {
			all = append(all, f)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	c.write(all)
}

// write replaces the cache file with files' index, leaving out files
// whose reading failed (they are read again next time).
func (c *indexCache) write(files []*indexedFile) {
	keep := make([]*indexedFile, 0, len(files))
	for _, f := range files {
		if f.Report.SkippedCount == 0 {
			keep = append(keep, f)
		}
	}
	c.mu.Lock() // an on-demand question and the whole index may both write
	defer c.mu.Unlock()
	abs := filepath.Dir(c.path)
	b, err := json.Marshal(indexCacheFile{Version: indexCacheVersion, Key: c.key, Dir: c.dir, Files: keep})
	if err != nil {
		return
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		c.logger.Debug("logs index cache not written", "err", err)
		return
	}
	tmp, err := os.CreateTemp(abs, ".index-*")
	if err != nil {
		c.logger.Debug("logs index cache not written", "err", err)
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), c.path) != nil {
		os.Remove(tmp.Name())
		c.logger.Debug("logs index cache not written", "file", c.path)
	}
}
