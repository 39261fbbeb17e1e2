//! One streaming pass over the layers of an image: the squashed filesystem index.
