package s3logs

import (
	"container/list"
	"sync"
)

// objectCache keeps the bytes of small objects read from their start, so
// that reading one again in the same process (a timeline that follows an
// incident past its window reads its objects twice; serve's follow-up
// questions read the same ones) costs no request. What a read fetched is
// kept when it closes: the whole object, or the part from its start that
// was read (an ordered file is read only up to a window's end), which a
// later read serves and then continues with a ranged GET. Least recently
// used objects go first once the cache holds its budget of bytes.
type objectCache struct {
	mu     sync.Mutex
	budget int64
	// maxObject is the largest object kept: a reader records what it
	// fetches until it closes, and many read at once.
	maxObject int64
	held      int64
	order     *list.List // of *cachedObject, most recently used first
	byKey     map[string]*list.Element
}

// cachedObject is the start of one version of an object.
type cachedObject struct {
	id   string // key and ETag
	data []byte // the object's first len(data) bytes
}

func newObjectCache(budget, maxObject int64) *objectCache {
	return &objectCache{budget: budget, maxObject: maxObject, order: list.New(), byKey: map[string]*list.Element{}}
}

func cacheID(o *objectInfo) string { return o.key + "\x00" + o.etag }

// get returns the first bytes of the object held (nil when none).
func (c *objectCache) get(o *objectInfo) []byte {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byKey[cacheID(o)]
	if e == nil {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedObject).data
}

// keeps reports whether an object is small enough to be kept.
func (c *objectCache) keeps(o *objectInfo) bool {
	return c != nil && o.size <= c.maxObject && o.size <= c.budget
}

// put keeps the first bytes of an object, if more than already held.
func (c *objectCache) put(o *objectInfo, data []byte) {
	if !c.keeps(o) || len(data) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := cacheID(o)
	if e := c.byKey[id]; e != nil {
		old := e.Value.(*cachedObject)
		if len(old.data) >= len(data) {
			c.order.MoveToFront(e)
			return
		}
		c.held -= int64(len(old.data))
		c.order.Remove(e)
		delete(c.byKey, id)
	}
	c.byKey[id] = c.order.PushFront(&cachedObject{id: id, data: data})
	c.held += int64(len(data))
	for c.held > c.budget {
		last := c.order.Back()
		old := last.Value.(*cachedObject)
		c.order.Remove(last)
		delete(c.byKey, old.id)
		c.held -= int64(len(old.data))
	}
}
