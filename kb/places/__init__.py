"""Place pages: UN groups, M49 sub-regions, organisations, groupings and informal names,
each with its member states, their requests and the programmes open to them."""
