"""Who owns England's children's homes: the ownership graph, importers and market analytics."""
