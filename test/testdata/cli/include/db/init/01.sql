CREATE TABLE t (id int); -- db/init
