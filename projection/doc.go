// Package projection folds events into typed state and keeps the result in
// a projection store.
//
// # Projectors
//
// A [Projector] turns events into a [Projection]: it starts from an initial
// state and metadata, applies one [Handler] per event name, and derives the
// projection's id from the final state and the source it projected. State
// and metadata are Go types (type parameters), not maps:
//
//	type Profile struct {
//		Name  string `json:"name"`
//		Email string `json:"email"`
//	}
//
//	profiles, err := projection.New(&projection.Config[Profile, struct{}]{
//		Handlers: map[string]projection.Handler[Profile]{
//			"profile-created": projection.PayloadHandler(func(p Profile, e ProfileCreated) (Profile, error) {
//				p.Name, p.Email = e.Name, e.Email
//				return p, nil
//			}),
//		},
//	})
//	p, err := profiles.ProjectStream(ctx, client.Stream("profile", "ada"))
//
// Event names are matched case- and separator-insensitively (see
// [NormalizeEventName]): a handler registered as "profile-created" handles
// ProfileCreated and profile_created events too.
//
// # Stores and queries
//
// A [Store] keeps projections as JSON (pgstore in PostgreSQL JSONB, memstore
// in memory). A [Repository] is its typed view for one projector. A [Query]
// builds the JSON query language of docs/query-language.md: filters, sorts
// (including trigram similarity) and offset or key-set paging:
//
//	q := projection.NewQuery("profile").
//		Where(projection.StatePath("age").GreaterThanOrEqual(18)).
//		OrderBy(projection.StatePath("name").SimilarityTo("ada lovelace").Desc()).
//		Offset(0, 20)
//
// Malformed queries, and queries beyond the limits of the language
// ([MaxFilters], [MaxInValues], [MaxPathSteps], [MaxSortKeys],
// [MaxRegexBytes] and the refused regex features, [MaxQueryBytes], ...),
// fail with a *pgevents.InvalidInputError whose Code is [CodeInvalidQuery]
// (SQLSTATE PE110), in Go and in SQL alike. A state or metadata over
// [DefaultMaxJSONBytes] or nested deeper than [DefaultMaxJSONDepth] is not
// saved: [CodeProjectionTooLarge] (PE115).
package projection
