/*
 * 15_training/correct.c — four "models" train at once, one thread each, on different
 * learning rates; main picks the best after the joins.
 * Seed 001 (Concurrency and Multithreading: "Machine Learning Models: you might want to
 * train multiple models simultaneously on different cores").
 * Correct: each trainer works only on its own struct model (&models[i]); the training data
 * is shared read-only, and the best model is chosen by main once every thread is joined.
 */
#include <pthread.h>
#include <stdio.h>

enum { NMODELS = 4, NPOINTS = 64, EPOCHS = 200 };

struct model {
	double rate;
	double weight, loss;
};

static double xs[NPOINTS], ys[NPOINTS];

/* Fits y = w * x by gradient descent on the mean squared error. */
static void *train(void *arg)
{
	struct model *m = arg;
	for (int epoch = 0; epoch < EPOCHS; epoch++) {
		double grad = 0, loss = 0;
		for (int i = 0; i < NPOINTS; i++) {
			double err = m->weight * xs[i] - ys[i];
			grad += 2 * err * xs[i] / NPOINTS;
			loss += err * err / NPOINTS;
		}
		m->weight -= m->rate * grad;
		m->loss = loss;
	}
	return NULL;
}

int main(void)
{
	static const double rates[NMODELS] = {0.001, 0.01, 0.1, 0.5};
	struct model models[NMODELS];
	pthread_t threads[NMODELS];

	for (int i = 0; i < NPOINTS; i++) {
		xs[i] = i / (double)NPOINTS;
		ys[i] = 3 * xs[i] + ((i % 3) - 1) * 0.01;
	}
	for (int i = 0; i < NMODELS; i++) {
		models[i] = (struct model){.rate = rates[i]};
		pthread_create(&threads[i], NULL, train, &models[i]);
	}
	int best = 0;
	for (int i = 0; i < NMODELS; i++) {
		pthread_join(threads[i], NULL);
		if (models[i].loss < models[best].loss)
			best = i;
	}
	printf("best: rate %g, weight %.3f, loss %.5f\n", models[best].rate, models[best].weight,
	       models[best].loss);
	return 0;
}
