package consumer

import "encoding/binary"

// Buckets is the number of buckets the events of a category (or the log)
// are split into for consumer groups: a group's partitions are sets of
// buckets (bucket b belongs to partition b mod Partitions), so a group has at
// most Buckets partitions.
const Buckets = 64

// Bucket returns the bucket (0 to Buckets-1) of the stream (category,
// stream): the value of the SQL function pgevents.stream_bucket, and of the
// expression that indexes pgevents.events for consumer groups,
//
//	hashtext(category || E'\x1f' || stream) & 63
//
// PostgreSQL's hashtext is Bob Jenkins' lookup3 hash of the UTF-8 bytes
// (reproduced here, little-endian words, as on every platform PostgreSQL
// ships for today), and U+001F cannot occur in a valid name, so distinct
// streams never share the hashed text. A stream's bucket never changes.
func Bucket(category, stream string) int {
	b := make([]byte, 0, len(category)+1+len(stream))
	b = append(b, category...)
	b = append(b, 0x1f)
	b = append(b, stream...)
	return int(hashBytes(b) & (Buckets - 1))
}

func rot(x uint32, k uint) uint32 { return x<<k | x>>(32-k) }

// hashBytes is PostgreSQL's hash_bytes (src/common/hashfn.c): lookup3 with
// the initial value 0x9e3779b9 + len + 3923095, returning c.
func hashBytes(k []byte) uint32 {
	n := uint32(len(k))
	a := 0x9e3779b9 + n + 3923095
	b, c := a, a
	for len(k) >= 12 {
		a += binary.LittleEndian.Uint32(k)
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		// mix(a, b, c)
		a -= c
		a ^= rot(c, 4)
		c += b
		b -= a
		b ^= rot(a, 6)
		a += c
		c -= b
		c ^= rot(b, 8)
		b += a
		a -= c
		a ^= rot(c, 16)
		c += b
		b -= a
		b ^= rot(a, 19)
		a += c
		c -= b
		c ^= rot(b, 4)
		b += a
		k = k[12:]
	}
	// The last 0 to 11 bytes, as little-endian words (the lowest byte of c
	// gets nothing: it was reserved for the length).
	switch len(k) {
	case 11:
		c += uint32(k[10]) << 24
		fallthrough
	case 10:
		c += uint32(k[9]) << 16
		fallthrough
	case 9:
		c += uint32(k[8]) << 8
		fallthrough
	case 8:
		b += uint32(k[7]) << 24
		fallthrough
	case 7:
		b += uint32(k[6]) << 16
		fallthrough
	case 6:
		b += uint32(k[5]) << 8
		fallthrough
	case 5:
		b += uint32(k[4])
		fallthrough
	case 4:
		a += uint32(k[3]) << 24
		fallthrough
	case 3:
		a += uint32(k[2]) << 16
		fallthrough
	case 2:
		a += uint32(k[1]) << 8
		fallthrough
	case 1:
		a += uint32(k[0])
	}
	// final(a, b, c)
	c ^= b
	c -= rot(b, 14)
	a ^= c
	a -= rot(c, 11)
	b ^= a
	b -= rot(a, 25)
	c ^= b
	c -= rot(b, 16)
	a ^= c
	a -= rot(c, 4)
	b ^= a
	b -= rot(a, 14)
	c ^= b
	c -= rot(b, 24)
	return c
}
