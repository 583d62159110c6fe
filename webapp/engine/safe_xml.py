"""The one XML parser for diagrams and decision tables from outside: no DTDs, no entities, no network
(XXE, billion laughs). Used by deploy, the deploy checks and the designer area."""

from lxml import etree

SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)
