// Run by tests/test_real_clients.py from a directory holding the pinned node_modules:
//   node real_clients.mjs <api url> <admin token>
// urql (createClient with its default exchanges and fetch options: queries by GET) and
// Apollo Client (HttpLink + InMemoryCache with relayStylePagination) list the published
// service sites, page forward and back, and send a mutation that answers a field error.
// Prints one JSON object: what each client returned and every HTTP exchange it made.
import { createClient, cacheExchange, fetchExchange, gql as urqlGql } from "@urql/core";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";

const [api, adminToken] = process.argv.slice(2);

const SITES = `
  query PublishedSites($first: Int, $after: String, $last: Int, $before: String) {
    serviceSites(first: $first, after: $after, last: $last, before: $before, orderBy: {name: ASC}) {
      totalCount
      edges { cursor node { id name kind } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

const CREATE_EMPTY_SITE = `
  mutation CreateEmptySite {
    createServiceSite(
      input: {name: "", kind: SUNFLOWER_HUT, organisationId: "T3JnYW5pc2F0aW9uOjE="}
    ) {
      serviceSite { id }
      errors { field code message }
    }
  }`;

// fetch as it is, recording what went over the wire
function recording(log, client) {
  return async (input, init = {}) => {
    const response = await fetch(input, init);
    const url = typeof input === "string" ? input : input.url ?? String(input);
    log.push({
      client,
      method: (init.method ?? "GET").toUpperCase(),
      url,
      status: response.status,
      body: await response.clone().json().catch(() => null),
    });
    return response;
  };
}

function names(connection) {
  return connection.edges.map((edge) => edge.node.name);
}

async function runUrql(log) {
  const anonymous = createClient({
    url: api,
    exchanges: [cacheExchange, fetchExchange],
    fetch: recording(log, "urql"),
  });
  const admin = createClient({
    url: api,
    exchanges: [cacheExchange, fetchExchange],
    fetch: recording(log, "urql"),
    fetchOptions: () => ({ headers: { authorization: `Bearer ${adminToken}` } }),
  });
  const sites = urqlGql(SITES);
  const out = {};
  const first = await anonymous.query(sites, { first: 5 }).toPromise();
  if (first.error) throw new Error(`urql first page: ${first.error}`);
  out.first = first.data.serviceSites;
  const after = await anonymous
    .query(sites, { first: 5, after: out.first.pageInfo.endCursor })
    .toPromise();
  if (after.error) throw new Error(`urql next page: ${after.error}`);
  out.next = after.data.serviceSites;
  const before = await anonymous
    .query(sites, { last: 5, before: out.next.edges[0].cursor })
    .toPromise();
  if (before.error) throw new Error(`urql previous page: ${before.error}`);
  out.previous = before.data.serviceSites;
  const refused = await admin.mutation(urqlGql(CREATE_EMPTY_SITE), {}).toPromise();
  if (refused.error) throw new Error(`urql mutation: ${refused.error}`);
  out.mutation = refused.data.createServiceSite;
  return out;
}

async function runApollo(log) {
  const client = (token) =>
    new ApolloClient({
      link: new HttpLink({
        uri: api,
        fetch: recording(log, "apollo"),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
      cache: new InMemoryCache({
        typePolicies: {
          Query: { fields: { serviceSites: relayStylePagination(["filter", "orderBy"]) } },
        },
      }),
    });
  const anonymous = client(null);
  const query = gql(SITES);
  const out = {};
  const watched = anonymous.watchQuery({ query, variables: { first: 5 } });
  const first = await anonymous.query({ query, variables: { first: 5 } });
  out.first = first.data.serviceSites;
  // fetchMore with `after`: relayStylePagination appends the next page in the cache
  const more = await watched.fetchMore({
    variables: { first: 5, after: out.first.pageInfo.endCursor },
  });
  out.next = more.data.serviceSites;
  out.mergedForward = anonymous.readQuery({ query, variables: { first: 5 } }).serviceSites;
  // a fresh cache for the page before the second page's first cursor (last/before)
  const fresh = client(null);
  const back = await fresh.query({
    query,
    variables: { last: 5, before: out.next.edges[0].cursor },
  });
  out.previous = back.data.serviceSites;
  const refused = await client(adminToken).mutate({ mutation: gql(CREATE_EMPTY_SITE) });
  out.mutation = refused.data.createServiceSite;
  return out;
}

const log = [];
const result = { urql: await runUrql(log), apollo: await runApollo(log), requests: log };
process.stdout.write(JSON.stringify(result));
