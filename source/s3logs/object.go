package s3logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// store is the S3 side of a bucketFS: the client, the location, and what
// was fetched.
type store struct {
	client *s3.Client
	loc    Location
	region string
	// idle is how long a response body may send nothing before the read
	// is given up (the SDK bounds the wait for headers, not the body).
	idle time.Duration
	// resumes is how often one read of an object is resumed (a ranged
	// GET from where it broke off) after its connection failed.
	resumes int

	gets  atomic.Int64 // GetObject requests
	bytes atomic.Int64 // bytes received in bodies

	cache *objectCache // nil: nothing kept
}

// get sends one GetObject of the object's version (If-Match: a key
// rewritten since the listing fails rather than mixing two versions),
// from off to end (end < 0: to the object's end). The body stops when it
// has been idle for s.idle.
func (s *store) get(o *objectInfo, off, end int64) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: &o.key}
	if o.etag != "" {
		in.IfMatch = sdkaws.String(o.etag)
	}
	switch {
	case end >= 0:
		in.Range = sdkaws.String(fmt.Sprintf("bytes=%d-%d", off, end))
	case off > 0:
		in.Range = sdkaws.String(fmt.Sprintf("bytes=%d-", off))
	}
	ctx, cancel := context.WithCancel(context.Background())
	watch := time.AfterFunc(s.idle, cancel)
	s.gets.Add(1)
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		watch.Stop()
		cancel()
		return nil, s.objectError(o, err)
	}
	return &idleBody{body: out.Body, watch: watch, cancel: cancel, idle: s.idle, st: s}, nil
}

// idleBody is a response body that is given up when it sends nothing for
// idle.
type idleBody struct {
	body   io.ReadCloser
	watch  *time.Timer
	cancel context.CancelFunc
	idle   time.Duration
	st     *store
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.watch.Reset(b.idle)
	n, err := b.body.Read(p)
	b.st.bytes.Add(int64(n))
	return n, err
}

func (b *idleBody) Close() error {
	b.watch.Stop()
	err := b.body.Close()
	b.cancel()
	return err
}

// objectFile is an opened object. Read streams it with one GetObject
// (resumed by a ranged GET where a connection broke); ReadAt fetches the
// bytes asked for with a ranged GET, and a ReadAt that continues the one
// before reads on from one open-ended ranged GET, so a sequential scan
// through ReadAt costs one request too.
type objectFile struct {
	store *store
	info  *objectInfo

	body    io.ReadCloser // of Read
	pos     int64
	resumed int
	closed  bool
	// held is the object's start from the cache, served before any
	// request; kept is what this read has of the object from its start
	// (held and what it fetched after), for the cache when it closes.
	held    []byte
	kept    []byte
	keeping bool
	looked  bool

	mu      sync.Mutex // ReadAt may be called in parallel
	at      io.ReadCloser
	atPos   int64 // where at reads next
	lastEnd int64 // where the last ReadAt ended
}

// Stat implements fs.File.
func (f *objectFile) Stat() (fs.FileInfo, error) { return fileInfo{f.info}, nil }

// Remote implements source.RemoteReaderAt.
func (f *objectFile) Remote() string { return f.store.loc.objectURL(f.info.key) }

// Read implements fs.File.
func (f *objectFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, fs.ErrClosed
	}
	if f.pos >= f.info.size {
		return 0, io.EOF
	}
	if !f.looked {
		f.looked = true
		if f.pos == 0 && f.store.cache.keeps(f.info) {
			f.held = f.store.cache.get(f.info)
			f.keeping = true
			f.kept = append([]byte(nil), f.held...)
		}
	}
	if f.pos < int64(len(f.held)) {
		n := copy(p, f.held[f.pos:])
		f.pos += int64(n)
		return n, nil
	}
	for {
		if f.body == nil {
			b, err := f.store.get(f.info, f.pos, -1)
			if err != nil {
				return 0, f.pathError(err)
			}
			f.body = b
		}
		n, err := f.body.Read(p)
		f.pos += int64(n)
		if f.keeping {
			f.kept = append(f.kept, p[:n]...)
		}
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, io.EOF) && f.pos >= f.info.size:
			return n, io.EOF
		case errors.Is(err, io.EOF):
			err = io.ErrUnexpectedEOF // shorter than listed
		}
		f.body.Close()
		f.body = nil
		if f.resumed >= f.store.resumes {
			return n, f.pathError(fmt.Errorf("the connection failed %d times, the last at byte %d of %d: %w", f.resumed+1, f.pos, f.info.size, err))
		}
		f.resumed++
		if n > 0 {
			return n, nil
		}
	}
}

// ReadAt implements io.ReaderAt.
func (f *objectFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if off < 0 {
		return 0, f.pathError(errors.New("negative offset"))
	}
	if off >= f.info.size {
		return 0, io.EOF
	}
	want := p
	if rest := f.info.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	var n int
	var err error
	switch {
	case f.at != nil && off == f.atPos:
		n, err = io.ReadFull(f.at, want)
	case off == f.lastEnd && off > 0:
		// Sequential: one open-ended GET serves the reads that follow.
		f.closeAt()
		if f.at, err = f.store.get(f.info, off, -1); err == nil {
			n, err = io.ReadFull(f.at, want)
		}
	default:
		f.closeAt()
		var b io.ReadCloser
		if b, err = f.store.get(f.info, off, off+int64(len(want))-1); err == nil {
			n, err = io.ReadFull(b, want)
			b.Close()
		}
	}
	if f.at != nil {
		f.atPos = off + int64(n)
	}
	f.lastEnd = off + int64(n)
	if err != nil {
		f.closeAt()
		return n, f.pathError(err)
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *objectFile) closeAt() {
	if f.at != nil {
		f.at.Close()
		f.at = nil
	}
}

// Close implements fs.File: it ends the requests still open.
func (f *objectFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closeAt()
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
	if f.keeping && !f.closed {
		f.store.cache.put(f.info, f.kept)
		f.kept = nil
	}
	f.closed = true
	return nil
}

func (f *objectFile) pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: "read", Path: f.Remote(), Err: err}
}
