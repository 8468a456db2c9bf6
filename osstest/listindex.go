package osstest

import "sort"

// keyIndex holds the stored keys in order, so that a listing page costs
// a binary search and the page itself, whatever the bucket's size. It is
// a list of sorted blocks of at most maxIndexBlock keys: an insert or a
// delete moves at most one block's keys and, when a block splits or
// empties, the block list (a B-tree of height two). The zero value is an
// empty index; the caller serialises access (store.mu).
type keyIndex struct {
	blocks [][]string
}

// maxIndexBlock bounds a block; a full block splits in two halves.
const maxIndexBlock = 1024

// indexPos is a position in the index: block b, key i of that block.
type indexPos struct{ b, i int }

// buildKeyIndex returns the index of keys, which it sorts.
func buildKeyIndex(keys []string) keyIndex {
	sort.Strings(keys)
	var x keyIndex
	for len(keys) > 0 {
		n := min(len(keys), maxIndexBlock/2)
		x.blocks = append(x.blocks, append(make([]string, 0, maxIndexBlock), keys[:n]...))
		keys = keys[n:]
	}
	return x
}

// blockFor returns the block where k is or belongs: the first whose last
// key is at least k, else the last block.
func (x *keyIndex) blockFor(k string) int {
	b := sort.Search(len(x.blocks), func(b int) bool {
		blk := x.blocks[b]
		return blk[len(blk)-1] >= k
	})
	return min(b, len(x.blocks)-1)
}

// seek returns the position of the first key >= k.
func (x *keyIndex) seek(k string) indexPos {
	if len(x.blocks) == 0 {
		return indexPos{}
	}
	b := x.blockFor(k)
	blk := x.blocks[b]
	return x.normal(indexPos{b, sort.SearchStrings(blk, k)})
}

// normal moves a position past the end of a block to the next block.
func (x *keyIndex) normal(p indexPos) indexPos {
	if p.b < len(x.blocks) && p.i >= len(x.blocks[p.b]) {
		return indexPos{p.b + 1, 0}
	}
	return p
}

func (x *keyIndex) valid(p indexPos) bool { return p.b < len(x.blocks) }

func (x *keyIndex) key(p indexPos) string { return x.blocks[p.b][p.i] }

func (x *keyIndex) next(p indexPos) indexPos { return x.normal(indexPos{p.b, p.i + 1}) }

// insert adds k, which must not be in the index.
func (x *keyIndex) insert(k string) {
	if len(x.blocks) == 0 {
		x.blocks = [][]string{append(make([]string, 0, maxIndexBlock), k)}
		return
	}
	b := x.blockFor(k)
	blk := x.blocks[b]
	i := sort.SearchStrings(blk, k)
	blk = append(blk, "")
	copy(blk[i+1:], blk[i:])
	blk[i] = k
	if len(blk) < maxIndexBlock {
		x.blocks[b] = blk
		return
	}
	half := len(blk) / 2
	upper := append(make([]string, 0, maxIndexBlock), blk[half:]...)
	clear(blk[half:])
	x.blocks[b] = blk[:half]
	x.blocks = append(x.blocks, nil)
	copy(x.blocks[b+2:], x.blocks[b+1:])
	x.blocks[b+1] = upper
}

// remove deletes k, if it is in the index.
func (x *keyIndex) remove(k string) {
	if len(x.blocks) == 0 {
		return
	}
	b := x.blockFor(k)
	blk := x.blocks[b]
	i := sort.SearchStrings(blk, k)
	if i == len(blk) || blk[i] != k {
		return
	}
	copy(blk[i:], blk[i+1:])
	blk[len(blk)-1] = ""
	blk = blk[:len(blk)-1]
	if len(blk) > 0 {
		x.blocks[b] = blk
		return
	}
	copy(x.blocks[b:], x.blocks[b+1:])
	x.blocks[len(x.blocks)-1] = nil
	x.blocks = x.blocks[:len(x.blocks)-1]
}

// prefixEnd returns the least string greater than every string that
// starts with prefix, or "" if there is none (prefix is all 0xff bytes).
func prefixEnd(prefix string) string {
	// Byte by byte: strings.TrimRight(prefix, "\xff") reads both as UTF-8
	// and trims every trailing byte that is not valid UTF-8 (a delimiter
	// may end inside a multibyte rune), not only 0xff.
	n := len(prefix)
	for n > 0 && prefix[n-1] == 0xff {
		n--
	}
	if n == 0 {
		return ""
	}
	return prefix[:n-1] + string([]byte{prefix[n-1] + 1})
}
