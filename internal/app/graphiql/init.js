// Starts GraphiQL against this server's POST /graphql. Sign in with a mutation such as
// generateCustomerToken, then put {"Authorization": "Bearer <token>"} in the Headers tab.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: 'headers',
    defaultQuery: '# Clientele GraphQL. The schema is in the Docs pane and at /graphql/schema.graphql.\n{\n  countries {\n    code\n    name\n  }\n}\n'
  }));
})();
