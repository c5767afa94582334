-- The links a MAH adds to its product's Digital Link (docs/resolver.md "Links of the MAH"): the
-- resolver's linkset lists them under their GS1 link type, its page shows them, and
-- ?linkType= redirects to the first of a type. The rules of a link are domain/product_link's;
-- the checks here are the last line. PUT replaces a product's whole list (ord keeps its order).
CREATE TABLE product_link (
    gtin        char(14) NOT NULL REFERENCES product (gtin),
    ord         smallint NOT NULL CHECK (ord BETWEEN 0 AND 15),
    link_type   text NOT NULL CHECK (link_type ~ '^[a-zA-Z]{2,32}$'),  -- the gs1: suffix
    href        text NOT NULL CHECK (href ~ '^https://' AND length(href) <= 1024),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    lang        text CHECK (lang ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    media_type  text CHECK (length(media_type) <= 80),
    PRIMARY KEY (gtin, ord)
);
