"""Loading CloudFormation/SAM templates into position-carrying nodes and building the template side of the model."""
