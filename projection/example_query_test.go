package projection_test

import (
	"fmt"

	"github.com/pgevents/pgevents/projection"
)

// ExampleNewQuery demonstrates the query builder and the JSON wire form it
// produces: the same document pgevents.search_projections takes in SQL.
func ExampleNewQuery() {
	q := projection.NewQuery("profile").
		Where(
			projection.StatePath("age").GreaterThanOrEqual(18),
			projection.StatePath("tags").Contains("admin"),
			projection.MetadataPath("deleted_at").IsNull(),
		).
		OrderBy(projection.StatePath("name").SimilarityTo("ada lovelace").Desc(), projection.StatePath("age").Asc()).
		After("ada", 20)
	wire, err := q.Build()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(wire))

	_, err = projection.NewQuery("profile").Limit(20000).Build()
	fmt.Println(err)
	// Output:
	// {"name":"profile","filters":[{"path":["state","age"],"op":"greater_than_or_equal","value":18},{"path":["state","tags"],"op":"contains","value":"admin"},{"path":["metadata","deleted_at"],"op":"equal","value":null}],"sort":[{"path":["state","name"],"order":"desc","similarity":"ada lovelace"},{"path":["state","age"],"order":"asc"}],"page":{"after":"ada","limit":20}}
	// pgevents: invalid page.limit: must be between 1 and 10000 (got 20000) [PE110]
}
